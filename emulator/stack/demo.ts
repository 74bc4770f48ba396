/**
 * The demo scenario, run by `npm start` (which then stays up) and `npm run demo` (which exits
 * with its verdict): bursts of "images incoming" events published through the Pub/Sub emulator
 * at set (real-world) times, while the scenario measures how long each publish takes to raise the
 * Deployment's replicas, integrates replica-seconds, waits for every batch to finish and every
 * target to fall back to minReplicas, and checks that no busy pod was removed.
 *
 * Timeline at real-world speed (divide by the time scale): ResNet-101 and thumbnails get work at
 * once; the detector (minReplicas 1) at 60 s; thumbnails again at 200 s, from zero; ResNet-101
 * again at 240 s, once it has scaled in (it drains at about 50 s; after the 60 s stabilization
 * window the 50 %-per-30 s policy takes it 8 -> 4 -> 2 -> 1 -> 0). Everything has drained and
 * scaled in by about 450 s: 45 s at time scale 10. The gaps leave room for the whole-second
 * rounding of the registry at high time scales (the integration test runs at 40).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from './stack.js';
import type { StackTarget } from './targets.js';

export interface Burst {
  /** Real-world seconds after the scenario starts. */
  readonly atSeconds: number;
  readonly target: string;
  readonly batchId: string;
  readonly images: number;
}

export const DEMO_BURSTS: readonly Burst[] = [
  { atSeconds: 0, target: 'acme/resnet101/v1', batchId: 'resnet-a', images: 24 },
  { atSeconds: 0, target: 'acme/thumbnails/v1', batchId: 'thumbs-a', images: 12 },
  { atSeconds: 60, target: 'acme/fasterrcnn/v2', batchId: 'detector-a', images: 16 },
  { atSeconds: 240, target: 'acme/resnet101/v1', batchId: 'resnet-b', images: 12 },
  { atSeconds: 200, target: 'acme/thumbnails/v1', batchId: 'thumbs-b', images: 6 },
];

/** A publish must raise the Deployment's replicas within this many (wall) milliseconds. */
export const RISE_LIMIT_MS = 1000;

export interface PublishRecord {
  readonly burst: Burst;
  readonly publishedMs: number;
  readonly before: number;
  /** Milliseconds from the publish call to spec.replicas rising; undefined if it never rose. */
  latencyMs?: number;
  after?: number;
  finishedMs?: number;
}

export interface TargetRecord {
  readonly name: string;
  readonly minReplicas: number;
  peak: number;
  final: number;
  /** Pods existing (terminating included) integrated over time, in stack seconds. */
  replicaSeconds: number;
  fellBack: boolean;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly failures: string[];
  readonly publishes: readonly PublishRecord[];
  readonly targets: readonly TargetRecord[];
  readonly busyRemoved: number;
  readonly podsRemoved: number;
  readonly interrupted: number;
  readonly durationMs: number;
  readonly factor: number;
}

export interface ScenarioOptions {
  readonly bursts?: readonly Burst[];
  /** Called with a line for each happening (publish, rise, finished batch, fall back). */
  readonly note?: (line: string) => void;
  /** Extra real-world seconds allowed for draining and scaling in after the last burst. */
  readonly drainSeconds?: number;
  readonly riseLimitMs?: number;
}

function targetOf(stack: Stack, name: string): StackTarget {
  const target = stack.targets.find((t) => t.name === name);
  if (!target) throw new Error(`the scenario names target "${name}", which the stack does not have`);
  return target;
}

/** Polls spec.replicas every 5 ms until it is above `before`; the latency, or undefined. */
async function watchRise(stack: Stack, target: StackTarget, before: number, fromMs: number, limitMs: number) {
  const until = fromMs + Math.max(limitMs * 5, 5000);
  while (stack.clock.now() < until) {
    const desired = stack.replicas(target).desired;
    if (desired > before) return { latencyMs: stack.clock.now() - fromMs, after: desired };
    await sleep(5);
  }
  return undefined;
}

export async function runScenario(stack: Stack, options: ScenarioOptions = {}): Promise<DemoResult> {
  const note = options.note ?? (() => undefined);
  const bursts = [...(options.bursts ?? DEMO_BURSTS)].sort((a, b) => a.atSeconds - b.atSeconds);
  const riseLimitMs = options.riseLimitMs ?? RISE_LIMIT_MS;
  const scale = stack.scale;
  const clock = stack.clock;
  const started = clock.now();
  const removedBefore = stack.kube.removedPods.length;
  const interruptedBefore = stack.workers.interrupted;

  const targets = new Map<string, TargetRecord>(
    stack.targets.map((t) => [
      t.name,
      { name: t.name, minReplicas: t.minReplicas, peak: 0, final: 0, replicaSeconds: 0, fellBack: false },
    ]),
  );
  let lastSample = clock.now();
  const sample = () => {
    const now = clock.now();
    const dt = (now - lastSample) / 1000;
    lastSample = now;
    for (const t of stack.targets) {
      const record = targets.get(t.name) as TargetRecord;
      const r = stack.replicas(t);
      record.replicaSeconds += r.pods * dt;
      record.peak = Math.max(record.peak, r.desired);
      record.final = r.desired;
    }
  };
  const sampler = setInterval(sample, 50);

  const publishes: PublishRecord[] = [];
  const rises: Array<Promise<void>> = [];
  const failures: string[] = [];
  const lastBurst = bursts.at(-1)?.atSeconds ?? 0;
  const deadline = started + scale.ms(lastBurst + (options.drainSeconds ?? 600)) + 10_000;
  let allPublished = false;

  // Every batch finishes, then every target falls back to its minReplicas with no pod left over.
  const pending = new Set<PublishRecord>();
  const falling = new Set(stack.targets);
  const monitor = async () => {
    while (clock.now() < deadline && !(allPublished && pending.size === 0 && falling.size === 0)) {
      const progress = stack.workers.progress;
      for (const record of pending) {
        const { burst } = record;
        const batch = progress.find((b) => b.target === burst.target && b.batchId === burst.batchId);
        if (batch?.finishedMs !== undefined && batch.done >= burst.images) {
          record.finishedMs = batch.finishedMs;
          pending.delete(record);
          const took = (batch.finishedMs - record.publishedMs) / 1000;
          note(
            `batch ${burst.batchId} finished in ${took.toFixed(1)} s (${(took * scale.factor).toFixed(0)} s real-world)`,
          );
        }
      }
      if (allPublished && pending.size === 0) {
        for (const t of falling) {
          const r = stack.replicas(t);
          if (r.desired === t.minReplicas && r.pods === t.minReplicas && (await stack.outstanding(t)) === 0) {
            falling.delete(t);
            (targets.get(t.name) as TargetRecord).fellBack = true;
            note(`${t.name} is back at ${t.minReplicas} replica${t.minReplicas === 1 ? '' : 's'}`);
          }
        }
      }
      await sleep(50);
    }
  };

  try {
    const watching = monitor();
    for (const burst of bursts) {
      const due = started + scale.ms(burst.atSeconds);
      if (clock.now() < due) await sleep(due - clock.now());
      const target = targetOf(stack, burst.target);
      const before = stack.replicas(target).desired;
      const record: PublishRecord = { burst, publishedMs: clock.now(), before };
      publishes.push(record);
      pending.add(record);
      await stack.publish({ target: burst.target, batchId: burst.batchId, images: burst.images });
      note(`published ${burst.batchId}: ${burst.images} images for ${burst.target} (replicas ${before})`);
      rises.push(
        watchRise(stack, target, before, record.publishedMs, riseLimitMs).then((rise) => {
          if (rise) {
            record.latencyMs = rise.latencyMs;
            record.after = rise.after;
            note(
              `${burst.target} replicas ${before} -> ${rise.after}, ${rise.latencyMs} ms after publishing ${burst.batchId}`,
            );
          }
        }),
      );
    }
    allPublished = true;
    await Promise.all([...rises, watching]);
    sample();
  } finally {
    clearInterval(sampler);
  }

  for (const record of publishes) {
    const { burst } = record;
    if (record.latencyMs === undefined)
      failures.push(
        `${burst.batchId}: replicas of ${burst.target} never rose above ${record.before} after the publish`,
      );
    else if (record.latencyMs > riseLimitMs) {
      // Reported, not failed: on a loaded machine a rise can be late without anything wrong.
      note(
        `${burst.batchId}: replicas rose ${record.latencyMs} ms after the publish (over ${riseLimitMs} ms)`,
      );
    }
    if (record.finishedMs === undefined) failures.push(`${burst.batchId}: the batch did not finish`);
  }
  for (const t of targets.values()) {
    if (!t.fellBack)
      failures.push(`${t.name}: did not fall back to minReplicas ${t.minReplicas} (now ${t.final})`);
  }
  const removed = stack.kube.removedPods.slice(removedBefore);
  const busyRemoved = removed.filter((r) => r.busy === true).length;
  const unknown = removed.filter((r) => r.busy === undefined).length;
  const interrupted = stack.workers.interrupted - interruptedBefore;
  for (const r of removed.filter((x) => x.busy === true)) {
    const at = ((r.removedAt - started) / 1000).toFixed(2);
    failures.push(`busy pod ${r.namespace}/${r.name} was removed on scale-in at ${at} s`);
  }
  if (unknown > 0)
    failures.push(`${unknown} removed pod(s) could not be checked for work (busy probe failed)`);
  if (interrupted > 0) failures.push(`${interrupted} image(s) were interrupted by a pod removal`);
  for (const error of stack.workers.errors) failures.push(`worker: ${error}`);

  return {
    ok: failures.length === 0,
    failures,
    publishes,
    targets: [...targets.values()],
    busyRemoved,
    podsRemoved: removed.length,
    interrupted,
    durationMs: clock.now() - started,
    factor: scale.factor,
  };
}

/** The end-of-scenario summary, as printed. */
export function summarize(result: DemoResult): string[] {
  const f = result.factor;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `summary (time scale x${f}; real-world figures are stack figures x${f})`,
    '  batch            target                 images  publish->replicas  turnaround (real-world)',
  ];
  for (const p of result.publishes) {
    const rise = p.latencyMs === undefined ? 'never' : `${p.latencyMs} ms (${p.before}->${p.after ?? '?'})`;
    const turnaround =
      p.finishedMs === undefined
        ? 'unfinished'
        : `${s(p.finishedMs - p.publishedMs)} (${(((p.finishedMs - p.publishedMs) / 1000) * f).toFixed(0)} s)`;
    lines.push(
      `  ${p.burst.batchId.padEnd(16)} ${p.burst.target.padEnd(22)} ${String(p.burst.images).padStart(6)}  ${rise.padEnd(17)}  ${turnaround}`,
    );
  }
  lines.push('  target                 peak  final  replica-seconds (real-world)');
  for (const t of result.targets) {
    lines.push(
      `  ${t.name.padEnd(22)} ${String(t.peak).padStart(4)}  ${String(t.final).padStart(5)}  ${t.replicaSeconds.toFixed(1)} (${(t.replicaSeconds * f).toFixed(0)})`,
    );
  }
  const latencies = result.publishes.flatMap((p) => (p.latencyMs === undefined ? [] : [p.latencyMs]));
  const worst = latencies.length > 0 ? Math.max(...latencies) : NaN;
  lines.push(
    `  publish->replicas: worst ${worst} ms, mean ${(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)).toFixed(0)} ms`,
    `  pods removed on scale-in: ${result.podsRemoved}, of them busy: ${result.busyRemoved}; interrupted images: ${result.interrupted}`,
    `  scenario took ${s(result.durationMs)}`,
    result.ok ? 'demo passed' : `demo FAILED:\n${result.failures.map((x) => `  - ${x}`).join('\n')}`,
  );
  return lines;
}
