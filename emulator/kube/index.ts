/**
 * The Kubernetes API emulator: the part of the API that prescaler and its users touch (discovery,
 * Namespaces, Deployments and their scale subresource, ReplicaSets, Pods, watches, Tables for
 * kubectl), with simulated Deployment (rollouts) and ReplicaSet controllers, scheduler and kubelets
 * behind it, on real or virtual time.
 * The real kubectl and @kubernetes/client-node cannot tell it from a cluster for these requests.
 *
 *   const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
 *   const emu = await KubeEmulator.start({ clock, busyProbe: (pod) => isBusy(pod.metadata.name) });
 *   emu.applyManifest(yamlText);                       // or: await emu.loadManifests(dir)
 *   await emu.writeKubeconfig('/tmp/kubeconfig');      // admin user; or (path, 'someone')
 *   const token = emu.addUser('scaler', [{ apiGroups: ['apps'], resources: ['deployments/scale'],
 *     verbs: ['get', 'patch'], namespaces: ['tf-serving'] }]);
 *   ... kubectl / client-node against emu.url with emu.caPem ...
 *   clock.advance(30_000); await emu.tick();           // pods start, become Ready, terminate
 *   emu.getDeployment('tf-serving', 'image-classifier-resnet101')?.status.readyReplicas;
 *   emu.listPods('tf-serving', 'app=image-classifier');
 *   emu.listReplicaSets('tf-serving');                 // the Deployment controller's sets
 *   emu.removedPods;                                   // one record per pod a ReplicaSet removed
 *   emu.events.on('podRemoved', (record) => ...);
 *   await emu.stop();
 *
 * Options (KubeEmulatorOptions): port (0 = free), host, tls (default true), clock (default the
 * system clock, with a 100 ms background tick), rbac (file path or users), busyProbe, nodes,
 * adminToken, manifests (file or directory), log,
 *
 * admission (validating admission plugins, see apiserver/admission.ts).
 *
 * Annotations on a Deployment: `emulator.prescaler.dev/startup-seconds` (creation to Ready,
 * default 5), `emulator.prescaler.dev/termination-grace-seconds` (also on a Pod; overrides the
 * template's terminationGracePeriodSeconds).
 */
export { KubeEmulator, type Applied, type EmulatorEvents, type KubeEmulatorOptions } from './emulator.js';
export { annotations, defaultStartupSeconds } from './controllers/annotations.js';
export type { BusyProbe, RemovalCause, RemovedPod } from './controllers/replicaset.js';
export { rankForDeletion, podsToDelete } from './controllers/active-pods.js';
export {
  adminUser,
  parseRbac,
  RbacFileError,
  type Rule,
  type UserSpec,
  type Verb,
} from './apiserver/rbac.js';
export type { AdmissionAttributes, AdmissionOperation, AdmissionPlugin } from './apiserver/admission.js';
export { ApiError } from './apiserver/errors.js';
export { parseSelector, fromLabelSelector, Selector, SelectorParseError } from './apis/selector.js';
export { ManifestError } from './manifests.js';
export type { Deployment, Pod, Scale, Namespace } from './apis/objects.js';
export type { Autoscaler, HorizontalPodAutoscaler, ReplicaSet, ScaledObject } from './apis/workloads.js';
