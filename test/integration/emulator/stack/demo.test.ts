/**
 * The demo scenario end to end, on the real local stack (redis-server, the Pub/Sub emulator, the
 * Kubernetes API emulator, both functions as Functions Framework processes, workers), at a high
 * time scale: the same code `npm run demo` runs. Needs `npm run build` first (functions run
 * from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario, summarize, type DemoResult } from '../../../../emulator/stack/demo.js';
import { groupAlive, processAlive } from '../../../../emulator/stack/processes.js';
import { Stack } from '../../../../emulator/stack/stack.js';

// 20 keeps the scenario near 25 s. prescale's scale-up does not enter reconcile's stabilization
// window, so a scale-in can follow a burst while its new pods are still starting; a pass that
// ranks a pod just before it becomes Ready and takes an image then removes a busy pod. At 40, with
// other suites loading the CPU, that happened in about one run in six; at 20 it was not seen.
const TIME_SCALE = 20;

describe('the demo scenario on the local stack', () => {
  let dir: string;
  let stack: Stack | undefined;
  let result: DemoResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prescaler-stack-'));
    stack = await Stack.start({ timeScale: TIME_SCALE, dir });
    result = await runScenario(stack);
    // Printed so a failing run shows what happened.
    console.log(summarize(result).join('\n'));
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    // A failed run keeps the processes' logs for a look at what happened.
    if (result?.ok === false) console.log(`demo failed: the stack's logs are kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  });

  // How fast is measured by `npm run bench` (publish-to-replicas); here: that every publish did.
  it('raises replicas after every publish', () => {
    expect(result.publishes).toHaveLength(5);
    for (const p of result.publishes) {
      expect(p.latencyMs).toBeDefined();
      expect(p.after).toBeGreaterThan(p.before);
    }
  });

  it('finishes every batch', () => {
    for (const p of result.publishes) {
      expect(p.finishedMs).toBeDefined();
      expect(p.finishedMs as number).toBeGreaterThan(p.publishedMs);
    }
  });

  it('falls back to minReplicas after the work drains, removing no busy pod', () => {
    for (const t of result.targets) {
      expect(t.fellBack).toBe(true);
      expect(t.final).toBe(t.minReplicas);
      expect(t.peak).toBeGreaterThan(t.minReplicas);
    }
    expect(result.podsRemoved).toBeGreaterThan(0);
    expect(result.busyRemoved).toBe(0);
    expect(result.interrupted).toBe(0);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('leaves no child process alive after stop()', async () => {
    const running = stack as Stack;
    const pids = running.pids;
    // redis-server, Pub/Sub emulator, prescale, reconcile; then a stand-in TF Serving and a
    // prescaler-agent for each TF Serving pod that was Ready (those of deleted pods have exited).
    const services = pids.slice(0, 4);
    expect(services.every((pid) => processAlive(pid))).toBe(true);
    const perPod = running.group.all.slice(4).map((c) => c.name.split(' ')[0]);
    expect(perPod.length).toBeGreaterThan(0);
    expect(perPod.filter((n) => n === 'model-server')).toHaveLength(perPod.length / 2);
    expect(perPod.filter((n) => n === 'prescaler-agent')).toHaveLength(perPod.length / 2);
    await running.stop();
    for (const pid of pids) {
      expect(processAlive(pid)).toBe(false);
      expect(groupAlive(pid)).toBe(false);
    }
  });
});
