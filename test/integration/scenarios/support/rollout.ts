/**
 * The checks of the rollout rows of the scale-in scenarios: a Deployment caught in the middle of
 * a rollout, and a scale-in there whose removals are held against shared/rollout.ts's prediction
 * of the proportional split and against the busy pods.
 */
import { expect } from '@jest/globals';
import { proportionalSplit } from '../../../../shared/rollout.js';
import type { Pod } from '../../../../emulator/kube/index.js';
import { manifest, type scaleInHarness } from './scale-in.js';

const newImage = { image: 'tensorflow/serving:2.6.0' };

export function rolloutChecks(harness: ReturnType<typeof scaleInHarness>) {
  const { h, clock, pass, advance, replicas, reporter, running } = harness;
  type Deps = ReturnType<typeof harness.depsFor>;
  const ownerOf = (pod: Pod): string => pod.metadata.ownerReferences?.[0]?.name ?? '';
  const isReady = (pod: Pod): boolean =>
    pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const active = (ns: string) =>
    h.emulator.listPods(ns, 'app=resnet').filter((p) => p.metadata.deletionTimestamp === undefined);

  /** The split of `replicas` between the ReplicaSets that shared/rollout.ts predicts from `sets`. */
  function predicted(ns: string, sets: ReturnType<KubeEmulatorSets>, replicas: number): Map<string, number> {
    const d = h.emulator.getDeployment(ns, 'resnet');
    const revision = d?.metadata.annotations?.['deployment.kubernetes.io/revision'];
    const rolling = (d?.spec.strategy as { rollingUpdate?: { maxSurge?: string; maxUnavailable?: string } })
      .rollingUpdate;
    return proportionalSplit(
      {
        rollingUpdate: true,
        statusReplicas: d?.status.replicas ?? 0,
        maxSurge: rolling?.maxSurge,
        maxUnavailable: rolling?.maxUnavailable,
      },
      sets.map((rs) => ({
        name: rs.metadata.name,
        replicas: rs.spec.replicas,
        maxReplicas: Number(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas']),
        createdMs: Date.parse(rs.metadata.creationTimestamp),
        isNew: rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision,
        available: rs.status.availableReplicas ?? 0,
        pods: [],
      })),
      replicas,
    );
  }
  type KubeEmulatorSets = typeof h.emulator.listReplicaSets;

  /** A Deployment of `replicas` Ready pods whose template then changes; `seconds` into the rollout. */
  async function rollingOut(ns: string, deps: Deps, images: number, seconds: number) {
    await running(deps, ns, images);
    h.emulator.applyManifest(manifest(ns, { replicas: images, ...newImage }));
    await advance(seconds);
    const sets = h.emulator.listReplicaSets(ns);
    expect(sets.filter((rs) => rs.spec.replicas > 0)).toHaveLength(2);
  }

  /**
   * Makes one Ready pod of each ReplicaSet busy (two of the new one's), finishes the rest of the
   * work, runs reconcile, and checks that the scale-in removed no busy pod and that each set
   * removed what the proportional split predicted.
   */
  async function scaleInMidRollout(ns: string, deps: Deps, outstanding: number) {
    const sets = h.emulator.listReplicaSets(ns);
    const [oldSet, newSet] = [...sets].sort((a, b) => a.spec.replicas - b.spec.replicas);
    const ready = active(ns).filter(isReady);
    const busy = [
      ...ready.filter((p) => ownerOf(p) === oldSet?.metadata.name).slice(0, 1),
      ...ready.filter((p) => ownerOf(p) === newSet?.metadata.name).slice(0, 2),
    ].map((p) => p.metadata.name);
    expect(busy).toHaveLength(3);
    for (const pod of busy) await reporter(ns, pod).heartbeat(1);
    await reporter(ns, 'x').done('b1', outstanding - busy.length);
    const before = new Map(
      sets.map((rs) => [rs.metadata.name, active(ns).filter((p) => ownerOf(p) === rs.metadata.name).length]),
    );
    const from = clock.now();
    const report = await pass(deps, ns);
    expect(report).toMatchObject({ action: 'scale_in', busyPods: 3 });
    await advance(0);
    const split = predicted(ns, sets, replicas(ns) ?? -1);
    const removed = h.emulator.removedPods.filter(
      (p) => p.namespace === ns && p.cause === 'scale' && p.removedAt >= from,
    );
    expect(removed.filter((p) => p.busy !== false)).toEqual([]);
    for (const [name, count] of before)
      expect([name, removed.filter((p) => p.replicaSet === name).length]).toEqual([
        name,
        Math.max(0, count - (split.get(name) ?? count)),
      ]);
    expect(removed.length).toBeGreaterThan(0);
    // The new set's busy pods stay; the old set's busy pod may go only as the rollout replaces it.
    for (const pod of busy.slice(1)) expect(active(ns).map((p) => p.metadata.name)).toContain(pod);
  }

  return { rollingOut, scaleInMidRollout, predicted };
}
