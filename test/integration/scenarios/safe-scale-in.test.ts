/**
 * Scale-in in the situations real clusters live in, one row each: reconcile (real
 * @kubernetes/client-node over HTTPS, real Redis) against the Kubernetes API emulator, on virtual
 * time. Races are made with a ScaleApi wrapper that acts between reconcile's reads and its
 * write: a registration, a readiness flap, Redis refusing writes; rollouts are the emulator's
 * Deployment controller at work (support/scale-in.ts is the harness).
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ScaleApi } from '../../../shared/kube/scale-api.js';
import { runReconcile } from '../../../functions/reconcile.js';
import { rolloutChecks } from './support/rollout.js';
import { manifest, REQUEST_TIMEOUT_MS, scaleInHarness, target } from './support/scale-in.js';

describe('safe scale-in scenarios', () => {
  const harness = scaleInHarness();
  const { h, clock, ledger, depsFor, pass, advance, replicas, reporter, running } = harness;

  const { rollingOut, scaleInMidRollout, predicted } = rolloutChecks(harness);

  const rows: Array<[string, () => Promise<void>]> = [
    [
      'a rollout with busy pods in both ReplicaSets: the scale-in removes no busy pod from either',
      async () => {
        h.emulator.applyManifest(manifest('roll'));
        const deps = depsFor(['roll']);
        // 8 pods, maxSurge 2, maxUnavailable 2: 11 s in, old 2 Ready, new 4 Ready and 4 starting.
        await rollingOut('roll', deps, 8, 11);
        await scaleInMidRollout('roll', deps, 8);
      },
    ],
    [
      'a scale of the Deployment in the middle of a rollout: split in proportion as predicted, no busy pod removed',
      async () => {
        h.emulator.applyManifest(manifest('midscale'));
        const deps = depsFor(['midscale']);
        await rollingOut('midscale', deps, 8, 11);
        // A new batch: reconcile scales up from 8 to 12, and the controller splits it between the sets.
        const sets = h.emulator.listReplicaSets('midscale');
        await ledger.register(h.client, target('midscale'), { batchId: 'b2', images: 4 }, clock.now());
        const up = await pass(deps, 'midscale');
        expect(up).toMatchObject({ action: 'scale_up', applied: 12 });
        await advance(0);
        const split = predicted('midscale', sets, 12);
        const now = new Map(
          h.emulator.listReplicaSets('midscale').map((rs) => [rs.metadata.name, rs.spec.replicas]),
        );
        expect(now).toEqual(split);
        expect([...now.values()].every((n) => n > 0)).toBe(true);
        await reporter('midscale', 'x').done('b2', 4);
        await advance(1); // past the scale-up's recommendation (stabilization 0 s)
        await scaleInMidRollout('midscale', deps, 8);
      },
    ],
    [
      'an HPA on a registered Deployment: conflict naming it, no scale-in',
      async () => {
        h.emulator.applyManifest(manifest('hpa'));
        const deps = depsFor(['hpa']);
        await running(deps, 'hpa', 4);
        await reporter('hpa', 'x').done('b1', 4);
        h.emulator.applyAutoscaler(
          {
            kind: 'HorizontalPodAutoscaler',
            apiVersion: 'autoscaling/v2',
            metadata: { name: 'resnet-cpu' },
            spec: {
              scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'resnet' },
              maxReplicas: 10,
            },
          },
          'hpa',
        );
        const report = await pass(deps, 'hpa');
        expect(report).toMatchObject({ action: 'conflict', applied: null });
        expect(report.reason).toContain('HorizontalPodAutoscaler/resnet-cpu');
        expect(replicas('hpa')).toBe(4);
      },
    ],
    [
      'a KEDA ScaledObject on a registered Deployment: conflict naming it',
      async () => {
        h.emulator.applyManifest(manifest('keda'));
        const deps = depsFor(['keda']);
        await running(deps, 'keda', 2);
        await reporter('keda', 'x').done('b1', 2);
        h.emulator.applyAutoscaler(
          {
            kind: 'ScaledObject',
            apiVersion: 'keda.sh/v1alpha1',
            metadata: { name: 'resnet-queue' },
            spec: { scaleTargetRef: { name: 'resnet' } },
          },
          'keda',
        );
        const report = await pass(deps, 'keda');
        expect(report).toMatchObject({ action: 'conflict', applied: null });
        expect(report.reason).toContain('ScaledObject/resnet-queue');
      },
    ],
    [
      'an announcement between the read and the write: the fence holds the scale-in',
      async () => {
        h.emulator.applyManifest(manifest('fence'));
        let announce = false;
        const deps = depsFor(
          ['fence'],
          {},
          {
            listPods: async (api, ...args) => {
              const pods = await api.listPods(...(args as unknown as Parameters<ScaleApi['listPods']>));
              if (announce)
                await ledger.register(h.client, target('fence'), { batchId: 'b2', images: 6 }, clock.now());
              return pods;
            },
          },
        );
        await running(deps, 'fence', 6);
        await reporter('fence', 'x').done('b1', 6);
        announce = true;
        const report = await pass(deps, 'fence');
        expect(report).toMatchObject({ action: 'none', applied: null });
        expect(report.reason).toContain('fence moved');
        expect(replicas('fence')).toBe(6);
        announce = false;
        expect(await pass(deps, 'fence')).toMatchObject({ action: 'none', desired: 6 });
      },
    ],
    [
      'an announcement during the write: scaled back up at once',
      async () => {
        h.emulator.applyManifest(manifest('during'));
        let announce = false;
        const deps = depsFor(
          ['during'],
          {},
          {
            writeScale: async (api, ...args) => {
              if (announce)
                await ledger.register(h.client, target('during'), { batchId: 'b2', images: 5 }, clock.now());
              return api.writeScale(...(args as unknown as Parameters<ScaleApi['writeScale']>));
            },
          },
        );
        await running(deps, 'during', 6);
        await reporter('during', 'x').done('b1', 6);
        announce = true;
        const report = await pass(deps, 'during');
        expect(report.reason).toContain('scaled back up to 5');
        expect(replicas('during')).toBe(5);
      },
    ],
    [
      'Redis failing between the write and the record: the next pass keeps the step policy',
      async () => {
        h.emulator.applyManifest(manifest('redis'));
        let fail = false;
        const deps = depsFor(
          ['redis'],
          { scaleIn: { stabilizationSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } },
          {
            writeScale: async (api, ...args) => {
              const written = await api.writeScale(
                ...(args as unknown as Parameters<ScaleApi['writeScale']>),
              );
              // Redis refuses every write from here on (as when it runs out of memory or fails over).
              if (fail) await h.client.config('SET', 'maxmemory', '1');
              return written;
            },
          },
        );
        await running(deps, 'redis', 6);
        await reporter('redis', 'x').done('b1', 6);
        fail = true;
        const first = await pass(deps, 'redis');
        await h.client.config('SET', 'maxmemory', '0');
        fail = false;
        expect(first).toMatchObject({ action: 'scale_in', applied: 4 });
        expect(replicas('redis')).toBe(4);
        await advance(10);
        const second = await pass(deps, 'redis');
        expect(second).toMatchObject({ action: 'none', applied: null });
        expect(second.reason).toContain('step limit');
        expect(replicas('redis')).toBe(4);
      },
    ],
    [
      'a queued batch behind a long one, staleSeconds shorter than the queue: nothing expires',
      async () => {
        h.emulator.applyManifest(manifest('queue'));
        const deps = depsFor(['queue'], {
          imagesPerReplica: 4,
          scaleIn: { stabilizationSeconds: 0, staleSeconds: 30 },
        });
        await ledger.register(h.client, target('queue'), { batchId: 'long', images: 8 }, clock.now());
        await ledger.register(h.client, target('queue'), { batchId: 'queued', images: 4 }, clock.now());
        expect(await pass(deps, 'queue')).toMatchObject({ action: 'scale_up', applied: 3 });
        for (let i = 1; i <= 8; i++) {
          await advance(20);
          await reporter('queue', 'x').done('long', 1);
          const report = await pass(deps, 'queue');
          expect(report.expired).toEqual([]);
          expect(report.outstanding).toBe(12 - i);
        }
        // The queued batch's images are still owed: its capacity stays.
        expect(replicas('queue')).toBe(3);
      },
    ],
    [
      'no pod Ready for longer than staleSeconds: nothing expires, the report warns',
      async () => {
        h.emulator.applyManifest(manifest('unready', { startup: 100_000 }));
        const deps = depsFor(['unready'], { scaleIn: { stabilizationSeconds: 0, staleSeconds: 30 } });
        await ledger.register(h.client, target('unready'), { batchId: 'b1', images: 4 }, clock.now());
        expect(await pass(deps, 'unready')).toMatchObject({ action: 'scale_up', applied: 4 });
        for (let i = 0; i < 6; i++) {
          await advance(30);
          const report = await pass(deps, 'unready');
          expect(report).toMatchObject({ expired: [], outstanding: 4 });
          if (i > 0) expect(report.warnings.join()).toContain('no pod is Ready');
        }
        expect(replicas('unready')).toBe(4);
      },
    ],
    [
      'a busy pod turning NotReady after the listing: removed, its image finishes within the grace period',
      async () => {
        h.emulator.applyManifest(manifest('flap', { grace: 60 }));
        const flapping: { pod?: string } = {};
        const deps = depsFor(
          ['flap'],
          {},
          {
            writeScale: async (api, ...args) => {
              const written = await api.writeScale(
                ...(args as unknown as Parameters<ScaleApi['writeScale']>),
              );
              // The probe fails after reconcile listed the pods, before the ReplicaSet picks pods.
              if (flapping.pod !== undefined) h.emulator.setPodReady('flap', flapping.pod, false);
              return written;
            },
          },
        );
        const pods = await running(deps, 'flap', 4);
        // Two pods hold one image each, finishing 20 s from now; the other work is done.
        const busy = pods.slice(0, 2);
        const finishAt = clock.now() + 20_000;
        for (const pod of busy) await reporter('flap', pod).heartbeat(1);
        await reporter('flap', 'x').done('b1', 2);
        const flap = busy[0] as string;
        flapping.pod = flap;
        const report = await pass(deps, 'flap');
        expect(report).toMatchObject({ action: 'scale_in', applied: 2, busyPods: 2, warnings: [] });
        await advance(1);
        const removed = h.emulator.removedPods.filter((p) => p.namespace === 'flap');
        // Readiness outranks deletion cost: the NotReady busy pod goes first.
        expect(removed.map((p) => [p.name, p.busy, p.ready])).toContainEqual([flap, true, false]);
        // Its worker finishes the image it holds 20 s later; the pod is Terminating until then.
        await advance(19);
        const terminating = h.emulator.listPods('flap', 'app=resnet').find((p) => p.metadata.name === flap);
        expect(terminating?.metadata.deletionTimestamp).toBeDefined();
        // A removed busy pod is interrupted if its image would finish after its grace period ends.
        const grace = (terminating?.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
        expect(grace).toBe(60_000);
        const interrupted = removed.filter((p) => p.busy === true && finishAt > p.removedAt + grace);
        await advance(1);
        await reporter('flap', flap).done('b1', 1);
        await reporter('flap', flap).heartbeat(0);
        expect(interrupted).toEqual([]);
        expect((await pass(deps, 'flap')).outstanding).toBe(1);
      },
    ],
    [
      'one cluster whose API never answers among 50 healthy targets',
      async () => {
        const namespaces = Array.from({ length: 50 }, (_, i) => `healthy-${i}`);
        for (const ns of namespaces) h.emulator.applyManifest(manifest(ns));
        // Beside the healthy kubeconfig, in the directory the harness removes afterwards.
        const dead = join(dirname(h.kubeconfig), 'kubeconfig-unreachable');
        const address = h.blackHole.address() as { port: number };
        writeFileSync(
          dead,
          readFileSync(h.kubeconfig, 'utf8').replace(
            /server: .*/,
            `server: https://127.0.0.1:${address.port}`,
          ),
        );
        const deps = depsFor(
          namespaces,
          {},
          {},
          {
            'acme/unreachable/v1': {
              cluster: { kubeconfig: dead },
              namespace: 'unreachable',
              deployment: 'resnet',
              imagesPerReplica: 1,
              maxReplicas: 5,
            },
          },
        );
        for (const ns of namespaces.slice(0, 10))
          await ledger.register(h.client, target(ns), { batchId: 'b1', images: 2 }, clock.now());
        const report = await runReconcile(deps);
        expect(report.ok).toBe(false);
        const dead1 = report.targets.find((t) => t.target === 'acme/unreachable/v1');
        expect(dead1).toMatchObject({ action: 'error', error: { kind: 'transient' } });
        expect(dead1?.reason).toContain(`no answer within ${REQUEST_TIMEOUT_MS} ms`);
        const healthy = report.targets.filter((t) => t.target !== 'acme/unreachable/v1');
        expect(healthy).toHaveLength(50);
        expect(healthy.filter((t) => t.action === 'scale_up')).toHaveLength(10);
        expect(healthy.every((t) => t.action === 'scale_up' || t.action === 'none')).toBe(true);
      },
    ],
  ];

  for (const [name, run] of rows) it(name, run);
});
