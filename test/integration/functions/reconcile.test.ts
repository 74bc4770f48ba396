/**
 * reconcile scenarios in virtual time: the real function's pass over a real Redis ledger and the
 * fake Kubernetes API, from scale-ups that repair lost events to stabilized, step-limited
 * scale-ins that never remove a busy pod.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { ManualClock } from '../../../shared/clock.js';
import type { MemoryLogger } from '../../../shared/log.js';
import { ProgressReporter } from '../../../shared/redis/progress.js';
import { RedisRejectSink } from '../../../shared/rejects.js';
import { handlePrescale } from '../../../functions/prescale.js';
import { runReconcile, type ReconcileDeps } from '../../../functions/reconcile.js';
import type { FakeScaleApi } from '../../support/fake-scale-api.js';
import { depsForSuite, fakeClusterSettings } from '../../support/function-deps.js';

const T = 'acme/resnet101/v1';
const ref = { namespace: 'tf-serving', deployment: 'resnet' };
const START = 1_700_000_000_000;

describe('reconcile scenarios (virtual time, real Redis, fake Kubernetes API)', () => {
  const suite = depsForSuite();
  let deps: ReconcileDeps;
  let kube: FakeScaleApi;
  let clock: ManualClock;
  let logger: MemoryLogger;
  let worker: ProgressReporter;

  beforeEach(async () => {
    const scaleIn = {
      stabilizationSeconds: 30,
      policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }],
      staleSeconds: 120,
    };
    let prefix: string;
    ({ deps, kube, clock, logger, prefix } = await suite.renew(
      { [T]: { ...ref, imagesPerReplica: 1, maxReplicas: 50, scaleIn } },
      { nowMs: START },
    ));
    kube.add(ref, 0);
    worker = new ProgressReporter(await deps.redis.get(), T, 'pod-0', prefix);
  });

  /** Gives the fake Deployment `count` Ready pods, `busy` of which hold one image each. */
  async function pods(count: number, busy: number) {
    const redis = await deps.redis.get();
    kube.deployments.get(`${ref.namespace}/${ref.deployment}`)!.pods = Array.from(
      { length: count },
      (_, i) => ({
        name: `pod-${i}`,
        uid: `uid-${i}`,
        nodeName: `node-${i % 3}`,
        phase: 'Running',
        ready: true,
        readySinceMs: START,
        createdMs: START,
        restarts: 0,
        terminating: false,
      }),
    );
    for (let i = 0; i < count; i++) {
      await new ProgressReporter(redis, T, `pod-${i}`, deps.settings.keyPrefix).heartbeat(i < busy ? 1 : 0);
    }
  }

  async function announce(batchId: string, images: number) {
    await deps.ledger.register(await deps.redis.get(), T, { batchId, images }, clock.now());
  }
  async function pass(options = {}) {
    const report = await runReconcile(deps, options);
    return report.targets[0]!;
  }
  async function tick(seconds: number) {
    clock.advance(seconds * 1000);
    return pass();
  }

  it('bursts up, then steps down after the window as work drains, down to zero', async () => {
    await announce('b1', 10);
    expect(await pass()).toMatchObject({
      action: 'scale_up',
      current: 0,
      applied: 10,
      outstanding: 10,
      openBatches: 1,
    });
    await worker.done('b1', 8);
    await pods(10, 2);
    // 10 was recommended until t = 15 s; the 30 s window holds it until t = 45 s.
    expect(await tick(15)).toMatchObject({ action: 'none', applied: null, desired: 2, outstanding: 2 });
    expect(await tick(16)).toMatchObject({ action: 'none', applied: null, desired: 2 });
    expect(await tick(15)).toMatchObject({ action: 'scale_in', current: 10, applied: 6, busyPods: 2 });
    expect(await tick(5)).toMatchObject({ action: 'none', applied: null, current: 6 }); // step limit: 4 per 15 s
    expect(await tick(11)).toMatchObject({ action: 'scale_in', current: 6, applied: 2 });
    await worker.done('b1', 2);
    await pods(10, 0);
    const retired = await tick(15);
    expect(retired.retired).toEqual(['b1']);
    expect(retired.outstanding).toBe(0);
    const replicas: number[] = [];
    for (let i = 0; i < 5; i++) replicas.push((await tick(16)).applied ?? kube.replicas(ref)!);
    expect(replicas.at(-1)).toBe(0);
    expect(kube.writes.map((w) => w.replicas)).toEqual([10, 6, 2, 0]);
  });

  it('keeps the capacity prescale just added for the stabilization window', async () => {
    const rejects = new RedisRejectSink(deps.redis, deps.settings.keyPrefix);
    const data = Buffer.from(JSON.stringify({ target: T, batchId: 'b1', images: 8 })).toString('base64');
    await handlePrescale({ ...deps, rejects }, { data, messageId: 'm1' });
    expect(kube.replicas(ref)).toBe(8);
    await worker.done('b1', 6);
    await pods(8, 2);
    expect(await tick(1)).toMatchObject({ action: 'none', desired: 2, current: 8 });
    expect(await tick(15)).toMatchObject({ action: 'none', current: 8 });
    expect(await tick(16)).toMatchObject({ action: 'scale_in', current: 8, applied: 4 });
  });

  it('scales up when an event was lost, and writes only when the count changes', async () => {
    kube.add(ref, 2);
    await announce('b1', 5);
    expect(await pass()).toMatchObject({ action: 'scale_up', applied: 5 });
    expect(await tick(1)).toMatchObject({ action: 'none', applied: null });
    expect(kube.writes).toHaveLength(1);
  });

  it('does not scale in while images wait to be picked up', async () => {
    kube.add(ref, 10);
    await announce('b1', 3);
    await pods(10, 1);
    const report = await tick(1);
    expect(report).toMatchObject({ action: 'none', applied: null, busyPods: 1 });
    expect(report.reason).toContain('2 image(s) not yet picked up');
    await pods(10, 3);
    expect(await tick(1)).toMatchObject({ action: 'scale_in', applied: 6 });
  });

  it('expires stalled work only while pods are Ready, with a warning, and capacity follows', async () => {
    await announce('stuck', 4);
    await pass();
    // Pods scheduled but never Ready (no GPU node yet): nothing expires, the report says why.
    const waiting = await tick(121);
    expect(waiting.expired).toEqual([]);
    expect(waiting.warnings.join()).toContain('no pod is Ready');
    expect(waiting.outstanding).toBe(4);
    // Ready pods that make no progress for staleSeconds: the work expires.
    await pods(4, 0);
    expect((await tick(60)).expired).toEqual([]);
    const expired = await tick(61);
    expect(expired.expired).toEqual([{ batchId: 'stuck', outstanding: 4 }]);
    expect(logger.entries.find((e) => e.event === 'batches_expired')).toMatchObject({
      severity: 'WARNING',
      target: T,
    });
    await tick(31);
    expect(kube.replicas(ref)).toBe(0);
    expect(kube.writes.map((w) => w.replicas)).toEqual([4, 0]);
  });

  it('with Redis down, does not scale in, and reports the error', async () => {
    kube.add(ref, 6);
    await suite.server.kill();
    const report = await runReconcile(deps);
    expect(report.ok).toBe(false);
    expect(report.targets[0]).toMatchObject({
      action: 'error',
      applied: null,
      error: { code: 'redis_unavailable', kind: 'transient' },
    });
    expect(kube.replicas(ref)).toBe(6);
    expect(logger.entries.find((e) => e.event === 'reconcile_failed')).toMatchObject({
      severity: 'ERROR',
      target: T,
    });
  });

  it('a dry run returns the plan and writes nothing', async () => {
    await announce('b1', 3);
    const planned = await pass({ dryRun: true });
    expect(planned).toMatchObject({ action: 'scale_up', applied: null, desired: 3 });
    expect(planned.reason).toContain('dry run: would set 3');
    expect(kube.writes).toHaveLength(0);
    const redis = await deps.redis.get();
    expect(await redis.exists(deps.ledger.keys(T).window)).toBe(0);
  });

  it('leaves a paused Deployment alone', async () => {
    kube.add(ref, 8, true);
    expect(await pass()).toMatchObject({ action: 'paused', applied: null });
    expect(kube.replicas(ref)).toBe(8);
  });

  it('warns when the grace period is shorter than a replica needs: in every report, logged once', async () => {
    const slow = fakeClusterSettings(
      { [T]: { ...ref, imagesPerReplica: 2, secondsPerImage: 25, maxReplicas: 50 } },
      suite.server.url,
      deps.settings.keyPrefix,
    );
    const slowDeps = { ...deps, settings: slow };
    kube.add(ref, 2);
    await pods(2, 1);
    // The fake's pods get Kubernetes' default 30 s; 2 x 25 s + 10 s margin = 60 s are needed.
    for (let i = 0; i < 2; i++) {
      const report = (await runReconcile(slowDeps)).targets[0];
      expect(report?.warnings.join()).toContain(
        'terminationGracePeriodSeconds is 30s but a replica needs 60s',
      );
    }
    expect(logger.entries.filter((e) => e.event === 'grace_too_short')).toHaveLength(1);
  });

  it('limits a pass to one target with ?target=', async () => {
    const report = await runReconcile(deps, { target: 'acme/other/v1' });
    expect(report.targets).toEqual([]);
  });
});
