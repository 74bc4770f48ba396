/**
 * Scale-in with pods that hold work: reconcile (real @kubernetes/client-node over HTTPS, real
 * Redis heartbeats) against the Kubernetes API emulator, whose ReplicaSet picks pods in the real
 * order and records whether each removed pod was busy. The same cluster scaled in without the
 * ranking (as HPA or KEDA would: just lower replicas) removes busy pods.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../shared/clock.js';
import { ClusterAccess } from '../../../shared/kube/cluster.js';
import { deletionOrder } from '../../../shared/kube/pod-order.js';
import type { PodInfo } from '../../../shared/kube/scale-api.js';
import { MemoryLogger } from '../../../shared/log.js';
import { RedisHandle, redisOptions } from '../../../shared/redis/client.js';
import { Ledger } from '../../../shared/redis/ledger.js';
import { ProgressReporter } from '../../../shared/redis/progress.js';
import { runReconcile, type ReconcileDeps } from '../../../functions/reconcile.js';
import { KubeEmulator } from '../../../emulator/kube/index.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';
import { localSettings } from '../../../emulator/stack/settings.js';
import { deploymentManifest } from '../../support/services-suite.js';
import { freshPrefix } from '../../support/function-deps.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const manifest = (namespace: string) =>
  deploymentManifest('resnet', namespace, 0, {
    'emulator.prescaler.dev/startup-seconds': '10',
    'emulator.prescaler.dev/termination-grace-seconds': '1',
  });

describe('busy pods on scale-in', () => {
  const clock = new ManualClock(START);
  const prefix = freshPrefix();
  const ledger = new Ledger(prefix);
  let server: RedisServer;
  let emulator: KubeEmulator;
  let deps: ReconcileDeps;
  let kubeconfigDir: string;
  let redis: RedisHandle;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new RedisHandle(redisOptions({ url: server.url }));
    const client = await redis.get();
    emulator = await KubeEmulator.start({
      clock,
      // Busy = the pod's heartbeat exists, exactly what workers write and reconcile reads.
      busyProbe: async (pod) => {
        const namespace = pod.metadata.namespace;
        const target = `acme/${namespace}/v1`;
        return (await client.exists(ledger.keys(target).pod(pod.metadata.name))) === 1;
      },
    });
    emulator.applyManifest(manifest('ranked'));
    emulator.applyManifest(manifest('unranked'));
    kubeconfigDir = mkdtempSync(join(tmpdir(), 'prescaler-'));
    const kubeconfig = join(kubeconfigDir, 'kubeconfig');
    await emulator.writeKubeconfig(kubeconfig);
    const target = (namespace: string) => ({
      cluster: { kubeconfig },
      namespace,
      deployment: 'resnet',
      imagesPerReplica: 1,
      maxReplicas: 20,
      scaleIn: { stabilizationSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    deps = {
      settings: localSettings({ 'acme/ranked/v1': target('ranked') }, server.url, prefix),
      redis,
      ledger,
      clusters: new ClusterAccess({ clock }),
      clock,
      logger: new MemoryLogger(),
    };
  });
  afterAll(async () => {
    await emulator.stop();
    await redis.close();
    await server.stop();
    rmSync(kubeconfigDir, { recursive: true, force: true });
  });

  /** Six Ready pods, of which the three the ReplicaSet would remove first hold work. */
  async function sixPodsThreeBusy(namespace: string): Promise<string[]> {
    emulator.scale(namespace, 'resnet', 6);
    clock.advance(11_000);
    await emulator.tick();
    const pods = emulator.listPods(namespace, 'app=resnet');
    expect(
      pods.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    ).toHaveLength(6);
    const infos: PodInfo[] = pods.map((p) => ({
      name: p.metadata.name,
      uid: p.metadata.uid,
      nodeName: p.spec.nodeName,
      phase: p.status.phase,
      ready: true,
      readySinceMs: Date.parse(
        p.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ??
          p.metadata.creationTimestamp,
      ),
      createdMs: Date.parse(p.metadata.creationTimestamp),
      restarts: 0,
      terminating: false,
    }));
    const firstVictims = deletionOrder(infos, clock.now())
      .slice(0, 3)
      .map((p) => p.name);
    const client = await redis.get();
    for (const pod of firstVictims) {
      await new ProgressReporter(client, `acme/${namespace}/v1`, pod, prefix).heartbeat(1);
    }
    return firstVictims;
  }

  it('reconcile removes only idle pods; plain scale-in removes busy ones', async () => {
    const client = await redis.get();
    await ledger.register(client, 'acme/ranked/v1', { batchId: 'b1', images: 6 }, clock.now());
    expect((await runReconcile(deps)).targets[0]).toMatchObject({ action: 'scale_up', applied: 6 });
    const busy = await sixPodsThreeBusy('ranked');
    await new ProgressReporter(client, 'acme/ranked/v1', 'x', prefix).done('b1', 3);

    const report = (await runReconcile(deps)).targets[0];
    expect(report).toMatchObject({ action: 'scale_in', current: 6, applied: 3, busyPods: 3, annotated: 3 });
    clock.advance(2_000);
    await emulator.tick();
    const removed = emulator.removedPods.filter((p) => p.namespace === 'ranked');
    expect(removed).toHaveLength(3);
    expect(removed.filter((p) => p.busy)).toEqual([]);
    expect(
      emulator
        .listPods('ranked', 'app=resnet')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual([...busy].sort());

    // Work drains further while the busy pods still hold theirs: no busy pod goes.
    await new ProgressReporter(client, 'acme/ranked/v1', 'x', prefix).done('b1', 2);
    clock.advance(16_000);
    expect((await runReconcile(deps)).targets[0]).toMatchObject({ action: 'none', busyPods: 3 });

    // The same cluster without the ranking, lowered as HPA or KEDA would (6 -> 1): whatever the
    // ReplicaSet's tie-breaks, at least two of the three busy pods are among the five removed.
    const unrankedBusy = await sixPodsThreeBusy('unranked');
    emulator.scale('unranked', 'resnet', 1);
    clock.advance(2_000);
    await emulator.tick();
    const plain = emulator.removedPods.filter((p) => p.namespace === 'unranked');
    expect(plain).toHaveLength(5);
    const killed = plain.filter((p) => p.busy).map((p) => p.name);
    expect(killed.length).toBeGreaterThanOrEqual(2);
    expect(killed.every((name) => unrankedBusy.includes(name))).toBe(true);
  });
});
