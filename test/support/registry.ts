/**
 * The smallest valid target registry, for tests that need one but test something else: one
 * target per name, on a kubeconfig cluster, 1 image per replica, at most 3 replicas.
 */
export function minimalRegistry(...names: string[]): { targets: Record<string, unknown> } {
  return {
    targets: Object.fromEntries(
      names.map((name) => [
        name,
        {
          cluster: { kubeconfig: '/k' },
          namespace: 'ns',
          deployment: 'd',
          imagesPerReplica: 1,
          maxReplicas: 3,
        },
      ]),
    ),
  };
}
