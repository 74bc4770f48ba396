/**
 * The TF Serving sample behind the real prescaler-agent. For every Ready pod of such a target
 * the stack starts two processes: a stand-in TF Serving (model-server.ts, REST predict at the
 * sample's pace) and the built agent in front of it (dist/agent/main.js, POD_NAME = the pod).
 * A dispatcher sends the announced images (batches found in the ledger's `total`) through the
 * pods' agents, round-robin over Ready pods like a Service, one image per request with
 * `x-prescaler-batch`, at most imagesPerReplica at a time per pod. Busy pods and progress of
 * these targets then come from the agents alone: they write the heartbeat and the counts.
 *
 * When the emulator deletes a pod, its agent gets SIGTERM (it drains: what is in flight
 * finishes) and then its model server. A request the pod refused before taking the image (503
 * from a draining agent, a refused connection) is sent again elsewhere; one that failed after the
 * pod took it (the pod went away under it) is counted as interrupted and sent again.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Clock } from '../../shared/clock.js';
import { AGENT_NODE_FLAGS } from '../../agent/node-flags.js';
import { TargetKeys } from '../../shared/redis/keys.js';
import { freePort, waitUntil, type Child, type ProcessGroup } from './processes.js';
import { ready, targetPods, type PodLister, type WorkerTarget } from './workers.js';
import { PolledWorkers, type TrackedBatch } from './polled-workers.js';

/** True when an HTTP GET of `url` answers 200. */
async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** The stack's targets that run behind the agent: the TF Serving sample. */
export const AGENT_TARGETS: ReadonlySet<string> = new Set(['acme/resnet101/v1']);
const MODEL = 'resnet101';

export interface AgentPodsOptions {
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly targets: readonly WorkerTarget[];
  readonly pods: PodLister;
  readonly group: ProcessGroup;
  readonly root: string;
  readonly logsDir: string;
  readonly clock: Clock;
  readonly heartbeatSeconds: number;
  /** How long a deleted pod's agent may drain before it is killed (stack ms). */
  readonly graceMs: number;
  readonly pollMs?: number;
}

interface AgentPod {
  readonly key: string;
  readonly name: string;
  readonly target: WorkerTarget;
  readonly port: number;
  model?: Child;
  agent?: Child;
  usable: boolean;
  inFlight: number;
  stopping?: Promise<void>;
}

export class AgentPods extends PolledWorkers {
  private readonly pods = new Map<string, AgentPod>();
  private readonly restarts = new Map<string, number>();
  private turn = 0;
  interrupted = 0;

  constructor(private readonly options: AgentPodsOptions) {
    super(options.pollMs ?? 50);
  }

  async stop(): Promise<void> {
    await this.halt();
    await Promise.all([...this.pods.values()].map((p) => this.retire(p)));
  }

  busyPods(target: string): number {
    return [...this.pods.values()].filter((p) => p.target.name === target && p.inFlight > 0).length;
  }

  podRemoved(namespace: string, name: string): void {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (pod) void this.retire(pod);
  }

  protected async poll(): Promise<void> {
    if (this.stopped) return;
    await this.discoverBatches();
    const seen = new Set<string>();
    for (const { target, pod, key } of targetPods(this.options.targets, this.options.pods)) {
      if (!ready(pod)) continue;
      seen.add(key);
      if (!this.pods.has(key)) await this.hire(key, pod.metadata.name, target);
    }
    for (const [key, pod] of this.pods) if (!seen.has(key)) void this.retire(pod);
    this.dispatch();
  }

  private async discoverBatches(): Promise<void> {
    for (const target of this.options.targets) {
      const totals = await this.options.redis.hgetall(new TargetKeys(this.options.prefix, target.name).total);
      for (const [batchId, raw] of Object.entries(totals)) {
        const batch = this.batches.get(`${target.name}\u0000${batchId}`);
        if (batch) batch.total = Math.max(batch.total, Number(raw));
        else
          this.batches.set(`${target.name}\u0000${batchId}`, {
            target: target.name,
            batchId,
            total: Number(raw),
            issued: 0,
            done: 0,
            firstSeenMs: this.options.clock.now(),
          });
      }
    }
  }

  /** Starts the pod's model server and agent; the pod takes images once both answer. */
  private async hire(key: string, name: string, target: WorkerTarget): Promise<void> {
    const o = this.options;
    const [modelPort, port, adminPort] = [await freePort(), await freePort(), await freePort()];
    const pod: AgentPod = { key, name, target, port, usable: false, inFlight: 0 };
    this.pods.set(key, pod);
    pod.model = o.group.spawn({
      name: `model-server ${name}`,
      command: process.execPath,
      args: [
        join(o.root, 'dist', 'emulator', 'stack', 'model-server.js'),
        `--port=${modelPort}`,
        `--model=${MODEL}`,
        `--ms-per-image=${target.msPerImage}`,
      ],
      logFile: join(o.logsDir, `model-server-${name}.log`),
    });
    pod.agent = o.group.spawn({
      name: `prescaler-agent ${name}`,
      command: process.execPath,
      args: [...AGENT_NODE_FLAGS, join(o.root, 'dist', 'agent', 'main.js')],
      env: {
        PATH: process.env.PATH ?? '',
        PRESCALER_TARGET: target.name,
        POD_NAME: name,
        REDIS_URL: o.redisUrl,
        PRESCALER_KEY_PREFIX: o.prefix,
        PRESCALER_AGENT_ROUTES: `${port}=http://127.0.0.1:${modelPort}`,
        PRESCALER_AGENT_ADMIN_PORT: String(adminPort),
        PRESCALER_AGENT_HEARTBEAT_SECONDS: String(Math.max(3, o.heartbeatSeconds)),
        PRESCALER_AGENT_GRACE_SECONDS: String(Math.max(1, Math.ceil(o.graceMs / 1000))),
      },
      logFile: join(o.logsDir, `prescaler-agent-${name}.log`),
    });
    const agent = pod.agent;
    // Ready as the pod's readiness probes would have it: the agent and the model it fronts (TF
    // Serving's model status), so that no image meets a model server still starting (a 502).
    void waitUntil(
      `the agent of ${name} and its model server`,
      async () =>
        (await healthy(`http://127.0.0.1:${adminPort}/healthz`)) &&
        (await healthy(`http://127.0.0.1:${modelPort}/v1/models/${MODEL}`)),
      20_000,
      agent,
    )
      .then(() => {
        pod.usable = pod.stopping === undefined;
      })
      .catch(async (error: unknown) => {
        if (pod.stopping !== undefined) return;
        // A free port taken by another process in between: start the pod's processes afresh.
        const attempts = (this.restarts.get(key) ?? 0) + 1;
        this.restarts.set(key, attempts);
        if (attempts > 3) return this.note(error);
        await this.retire(pod);
      });
  }

  /** SIGTERM to the agent (it drains), then to the model server. */
  private retire(pod: AgentPod): Promise<void> {
    pod.usable = false;
    pod.stopping ??= (async () => {
      await pod.agent?.stop(this.options.graceMs + 1000);
      await pod.model?.stop(1000);
      this.pods.delete(pod.key);
    })();
    return pod.stopping;
  }

  private nextBatch(target: string): TrackedBatch | undefined {
    for (const b of this.batches.values()) if (b.target === target && b.issued < b.total) return b;
    return undefined;
  }

  /** Round-robin over usable pods with room, one image per request. */
  private dispatch(): void {
    const pods = [...this.pods.values()];
    for (let sent = true; sent;) {
      sent = false;
      for (let i = 0; i < pods.length; i++) {
        const pod = pods[(this.turn + i) % pods.length] as AgentPod;
        if (!pod.usable || pod.inFlight >= pod.target.imagesPerReplica) continue;
        const batch = this.nextBatch(pod.target.name);
        if (!batch) continue;
        this.turn = (this.turn + i + 1) % pods.length;
        this.send(pod, batch);
        sent = true;
        break;
      }
    }
  }

  private send(pod: AgentPod, batch: TrackedBatch): void {
    batch.issued++;
    pod.inFlight++;
    const body = JSON.stringify({ instances: [{ b64: 'aW1hZ2U=' }] });
    let settled = false;
    const settle = (outcome: 'done' | 'refused' | 'interrupted') => {
      if (settled) return;
      settled = true;
      pod.inFlight--;
      if (outcome === 'done') {
        batch.done++;
        if (batch.done >= batch.total) batch.finishedMs = this.options.clock.now();
        return;
      }
      batch.issued--;
      if (outcome === 'interrupted') this.interrupted++;
    };
    const req = request(
      {
        host: '127.0.0.1',
        port: pod.port,
        method: 'POST',
        path: `/v1/models/${MODEL}:predict`,
        // A new connection per image: a kept-alive socket that a draining agent closes would fail
        // the next request with a reset, indistinguishable from losing an image mid-flight.
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-prescaler-batch': batch.batchId,
        },
      },
      (res) => {
        res.resume();
        // 503: a draining agent turned the request away before the model server saw it.
        const failed = res.statusCode === 503 ? 'refused' : 'interrupted';
        res.once('end', () => settle(res.statusCode === 200 ? 'done' : failed));
        res.once('error', () => settle('interrupted'));
      },
    );
    req.once('error', (error: NodeJS.ErrnoException) =>
      settle(error.code === 'ECONNREFUSED' ? 'refused' : 'interrupted'),
    );
    req.end(body);
  }
}
