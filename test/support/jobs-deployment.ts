/**
 * A Deployment manifest in namespace `jobs` for tests against the Kubernetes API emulator, with
 * the emulator's own annotations for how long its pods take to become Ready and how long a
 * deleted pod stays Terminating (emulator/kube/controllers/annotations.ts).
 */
export interface JobsDeploymentOptions {
  readonly replicas?: number | string;
  readonly startupSeconds?: number;
  readonly graceSeconds?: number;
  /** Appended to the container list's line (more pod spec fields). */
  readonly extra?: string;
}

export function jobsDeployment(name: string, options: JobsDeploymentOptions = {}): string {
  const { replicas = 1, startupSeconds = 2, graceSeconds = 1, extra = '' } = options;
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: jobs
  annotations:
    emulator.prescaler.dev/startup-seconds: "${startupSeconds}"
    emulator.prescaler.dev/termination-grace-seconds: "${graceSeconds}"
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers: [{ name: worker, image: "ghcr.io/acme/worker:1.0" }]${extra}
`;
}
