/**
 * Real Celery workers (Python, prescaler_progress.celery) drain a batch on a real Redis while the
 * real reconcile function scales the Deployment in (Kubernetes API faked; the ReplicaSet's choice
 * of pods follows its deletion order). The pods with workers are made the ReplicaSet's first
 * choice, so only their heartbeats (holder entries, summed over the prefork children) keep them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../../../shared/clock.js';
import { MemoryLogger } from '../../../shared/log.js';
import { createDeps } from '../../../functions/deps.js';
import { runReconcile, type ReconcileDeps } from '../../../functions/reconcile.js';
import { deletionOrder } from '../../../shared/kube/pod-order.js';
import type { PodInfo } from '../../../shared/kube/scale-api.js';
import { FakeScaleApi } from '../../support/fake-scale-api.js';
import { findPython, PYTHON_EXAMPLES, pythonEnv } from '../../support/python.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';
import { fakeClusterSettings, freshPrefix } from '../../support/function-deps.js';

const T = 'acme/thumbnails/v1';
const ref = { namespace: 'workers', deployment: 'thumbnail-worker' };
const START = 1_700_000_000_000;
const TASKS = 200;
// Long enough that the drain spans many passes even on a loaded machine (6 slots: about 10 s).
const TASK_SECONDS = 0.3;

function pod(i: number): PodInfo {
  return {
    name: `pod-${i}`,
    uid: `uid-${i}`,
    nodeName: `node-${i}`,
    phase: 'Running',
    ready: true,
    // Ready more recently is removed first: the worker pods (0 and 1) are the ReplicaSet's pick.
    readySinceMs: START - 1_000_000 * (i + 1) ** 4,
    createdMs: START - 10_000_000,
    restarts: 0,
    terminating: false,
  };
}

describe('Celery workers and reconcile', () => {
  let server: RedisServer;
  let deps: ReconcileDeps;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    // Warm shutdown first, so the prefork children go with their parent.
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.exitCode !== null || worker.signalCode !== null) return;
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.kill('SIGTERM');
        if ((await Promise.race([exited, sleep(20_000, 'late', { ref: false })])) === 'late')
          worker.kill('SIGKILL');
      }),
    );
    await deps?.redis.close();
    await server.stop();
  });

  it('never removes a pod whose worker holds a task, and the batch is counted exactly', async () => {
    const python = findPython();
    const prefix = freshPrefix();
    const settings = fakeClusterSettings(
      {
        [T]: {
          ...ref,
          imagesPerReplica: 50,
          minReplicas: 0,
          maxReplicas: 4,
          scaleIn: {
            stabilizationSeconds: 0,
            policies: [{ type: 'Pods', value: 4, periodSeconds: 1 }],
            staleSeconds: 600,
          },
        },
      },
      server.url,
      prefix,
    );
    const kube = new FakeScaleApi();
    kube.add(ref, 4);
    const deployment = kube.deployments.get(`${ref.namespace}/${ref.deployment}`)!;
    deployment.pods = [0, 1, 2, 3].map(pod);
    const clock = new ManualClock(START);
    deps = createDeps(settings, { clusters: kube, clock, logger: new MemoryLogger() });
    const redis = await deps.redis.get();
    await deps.ledger.register(redis, T, { batchId: 'b1', images: TASKS }, clock.now());

    const env = (name: string) =>
      pythonEnv({
        HOSTNAME: name,
        PRESCALER_CELERY_BROKER: server.url,
        PRESCALER_CELERY_QUEUE: prefix,
        PRESCALER_CELERY_PREFIX: prefix,
      });
    const celery = (name: string, pool: string, concurrency: number) => {
      const args = ['-m', 'celery', '-A', 'thumbnails', 'worker', '--pool', pool];
      const child = spawn(
        python,
        [...args, '-c', String(concurrency), '-n', `${name}@test`, '-l', 'WARNING'],
        {
          cwd: PYTHON_EXAMPLES,
          env: env(name),
          stdio: 'ignore',
        },
      );
      workers.push(child);
      return child;
    };
    const byPod = new Map([
      ['pod-0', celery('pod-0', 'prefork', 4)],
      ['pod-1', celery('pod-1', 'threads', 2)],
    ]);
    const sender = spawn(
      python,
      ['send_thumbnails.py', server.url, prefix, 'b1', String(TASKS), String(TASK_SECONDS)],
      {
        cwd: PYTHON_EXAMPLES,
        env: env('sender'),
        stdio: 'ignore',
      },
    );
    expect(await new Promise((resolve) => sender.once('exit', resolve))).toBe(0);

    // What the tasks themselves say is running on each pod (bookkeeping outside the contract).
    const running = async (): Promise<Map<string, number>> => {
      const names = deployment.pods.map((p) => p.name);
      if (names.length === 0) return new Map(); // every pod removed: MGET takes at least one key
      const values = await redis.mget(names.map((n) => `${prefix}:test:running:${n}`));
      return new Map(names.map((n, i) => [n, Number(values[i] ?? 0)]));
    };
    const done = async () => Number((await redis.hget(deps.ledger.keys(T).done, 'b1')) ?? 0);

    for (let i = 0; i < 300 && ((await running()).get('pod-0') ?? 0) === 0; i++) await sleep(100);
    let passes = 0;
    let scaleIns = 0;
    let passesWithHeldPods = 0;
    const removed: string[] = [];
    let busyPodsSeen = 0;
    let protectedPasses = 0;
    for (let i = 0; i < 600 && (await done()) < TASKS; i++) {
      const before = await running();
      const report = (await runReconcile(deps)).targets[0]!;
      const after = await running();
      passes++;
      const held = [...before].filter(([name, n]) => n > 0 && (after.get(name) ?? 0) > 0).map(([n]) => n);
      if (held.length > 0) passesWithHeldPods++;
      busyPodsSeen = Math.max(busyPodsSeen, report.busyPods ?? 0);
      if (report.action === 'scale_in' && report.applied !== null) {
        scaleIns++;
        // The ReplicaSet removes the first pods of its deletion order, with the annotations that
        // reconcile's patches left on them (the fake applies them as the API server does).
        const pods = deployment.pods;
        const count = (report.current ?? 0) - report.applied;
        const gone = deletionOrder(pods, clock.now())
          .slice(0, count)
          .map((p) => p.name);
        expect(gone.filter((name) => held.includes(name))).toEqual([]);
        // Without the heartbeats' deletion costs the ReplicaSet would have taken a held pod.
        const bare = pods.map((p) => ({ ...p, annotations: {} }));
        const naive = deletionOrder(bare, clock.now()).slice(0, count);
        if (naive.some((p) => held.includes(p.name))) protectedPasses++;
        removed.push(...gone);
        deployment.pods = deployment.pods.filter((p) => !gone.includes(p.name));
        for (const name of gone) byPod.get(name)?.kill('SIGTERM');
      }
      clock.advance(1000);
      await sleep(100);
    }

    expect(await done()).toBe(TASKS);
    expect(passes).toBeGreaterThan(5);
    expect(passesWithHeldPods).toBeGreaterThan(0);
    expect(scaleIns).toBeGreaterThan(0);
    expect(protectedPasses).toBeGreaterThan(0);
    expect(removed).toEqual(expect.arrayContaining(['pod-2', 'pod-3']));
    expect(busyPodsSeen).toBe(2);
    const inFlight = await deps.ledger.inFlight(redis, T, ['pod-0', 'pod-1']);
    expect([...inFlight.values()]).toEqual([0, 0]);
  });
});
