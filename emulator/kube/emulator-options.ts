/**
 * What the emulator's entry takes and gives besides the class: its start options, its events and
 * what applying manifests did.
 */
import type { Clock } from '../../shared/clock.js';
import type { AdmissionPlugin } from './apiserver/admission.js';
import type { UserSpec } from './apiserver/rbac.js';
import type { BusyProbe, RemovedPod } from './controllers/replicaset.js';

export interface KubeEmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
  /**
   * HTTPS with a freshly made CA (default true). False serves plain HTTP, where a request without
   * credentials acts as the admin (kubectl sends no token over plain HTTP); tokens still count.
   */
  readonly tls?: boolean;
  /** Time source of the simulated cluster; default the system clock. */
  readonly clock?: Clock;
  /** Extra users: a rules file path (YAML/JSON, see rbac.ts) or the parsed users. */
  readonly rbac?: string | readonly UserSpec[];
  /** Asked, when a pod is picked for deletion on scale-in, whether the pod is busy. */
  readonly busyProbe?: BusyProbe;
  /** Number of simulated nodes; default 3. */
  readonly nodes?: number;
  /** Period of the background tick, default 100 ms. */
  readonly tickMs?: number;
  /** Run the background tick; by default it runs only with the system clock. */
  readonly autoTick?: boolean;
  /** The admin user's token; default a random one. */
  readonly adminToken?: string;
  /** A manifest file or directory loaded at start. */
  readonly manifests?: string;
  /** One line per request. */
  readonly log?: (line: string) => void;
  /** Validating admission plugins every write request passes, in order (see apiserver/admission.ts). */
  readonly admission?: readonly AdmissionPlugin[];
}

export interface EmulatorEvents {
  podRemoved: [RemovedPod];
}

/** What applying manifests did: `namespace/name` of each Deployment, and skipped documents. */
export interface Applied {
  readonly deployments: string[];
  readonly namespaces: string[];
  /** `Kind/name` of the admission policies and bindings now enforced. */
  readonly policies: string[];
  readonly skipped: string[];
}
