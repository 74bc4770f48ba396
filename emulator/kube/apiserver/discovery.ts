/**
 * What the server says about itself: `/version` (minor "32", which makes the kubectl dispatcher
 * pick its v1.32 client) and legacy discovery (`/api`, `/apis`, `/api/v1`, `/apis/apps/v1`) with
 * the short names kubectl needs (`deploy`, `po`, `ns`) and the `deployments/scale` entry naming
 * `autoscaling/v1` `Scale`, without which `kubectl scale --current-replicas` cannot build its PUT.
 * Only the resources and verbs the emulator implements are listed.
 */

export const serverVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-gke.1415000',
  gitCommit: 'b5b0d41ac1a9f1a2d8e8a5a0f0d1e1f4e6b2a9c3',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T09:10:51Z',
  goVersion: 'go1.23.6 X:boringcrypto',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

export interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

/**
 * A resource listed under its kind: the singular name is the kind in lower case and the name
 * its plural with `s`, as for every resource listed here but `deployments/scale`.
 */
function byKind(
  kind: string,
  namespaced: boolean,
  verbs: string[],
  shortNames: string[],
  categories?: string[],
): ApiResource {
  const singularName = kind.toLowerCase();
  const listed = { name: `${singularName}s`, singularName, namespaced, kind, verbs, shortNames };
  return categories === undefined ? listed : { ...listed, categories };
}

const all = ['all'];
const pods = byKind('Pod', true, ['delete', 'get', 'list', 'patch', 'update', 'watch'], ['po'], all);
const namespaces = byKind('Namespace', false, ['get', 'list', 'watch'], ['ns']);
const deployments = byKind(
  'Deployment',
  true,
  ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  ['deploy'],
  all,
);

const deploymentsScale: ApiResource = {
  name: 'deployments/scale',
  singularName: '',
  namespaced: true,
  group: 'autoscaling',
  version: 'v1',
  kind: 'Scale',
  verbs: ['get', 'patch', 'update'],
};

const replicaSets = byKind('ReplicaSet', true, ['get', 'list', 'watch'], ['rs'], all);
const horizontalPodAutoscalers = byKind(
  'HorizontalPodAutoscaler',
  true,
  ['create', 'delete', 'get', 'list'],
  ['hpa'],
  all,
);
const scaledObjects = byKind('ScaledObject', true, ['create', 'delete', 'get', 'list'], ['so']);

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

const appsVersion = { groupVersion: 'apps/v1', version: 'v1' };

const appsGroup = { name: 'apps', versions: [appsVersion], preferredVersion: appsVersion };

const autoscalingVersion = { groupVersion: 'autoscaling/v2', version: 'v2' };
const autoscalingGroup = {
  name: 'autoscaling',
  versions: [autoscalingVersion],
  preferredVersion: autoscalingVersion,
};
const kedaVersion = { groupVersion: 'keda.sh/v1alpha1', version: 'v1alpha1' };
const kedaGroup = { name: 'keda.sh', versions: [kedaVersion], preferredVersion: kedaVersion };

export const apiGroupList = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [appsGroup, autoscalingGroup, kedaGroup],
};

export const appsApiGroup = { kind: 'APIGroup', apiVersion: 'v1', ...appsGroup };

/** Discovery of the autoscaling and keda.sh groups, by path. */
export const autoscalerDiscovery: Readonly<Record<string, unknown>> = {
  '/apis/autoscaling': { kind: 'APIGroup', apiVersion: 'v1', ...autoscalingGroup },
  '/apis/autoscaling/v2': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'autoscaling/v2',
    resources: [horizontalPodAutoscalers],
  },
  '/apis/keda.sh': { kind: 'APIGroup', apiVersion: 'v1', ...kedaGroup },
  '/apis/keda.sh/v1alpha1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'keda.sh/v1alpha1',
    resources: [scaledObjects],
  },
};

export const coreV1Resources = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [namespaces, pods],
};

export const appsV1Resources = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'apps/v1',
  resources: [deployments, deploymentsScale, replicaSets],
};
