/**
 * Kubeconfig files for the emulator: one cluster (the server URL and, over HTTPS, the CA as
 * `certificate-authority-data`), one user with a bearer token, one context that joins them.
 */
import { stringify } from 'yaml';

export interface KubeconfigInput {
  readonly server: string;
  /** PEM of the CA; omitted for plain HTTP. */
  readonly caPem?: string;
  readonly user: string;
  readonly token: string;
  /** Default namespace of the context. */
  readonly namespace?: string;
  /** Name of the cluster and context; default `prescaler-emulator`. */
  readonly name?: string;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  const name = input.name ?? 'prescaler-emulator';
  const cluster: Record<string, string> = { server: input.server };
  if (input.caPem !== undefined)
    cluster['certificate-authority-data'] = Buffer.from(input.caPem).toString('base64');
  const context: Record<string, string> = { cluster: name, user: input.user };
  if (input.namespace !== undefined) context.namespace = input.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name, cluster }],
    users: [{ name: input.user, user: { token: input.token } }],
    contexts: [{ name, context }],
    'current-context': name,
  });
}
