/**
 * Benchmark: what the agent adds in front of a model server, agent vs direct in one run. HTTP/1.1:
 * 1 MiB POST bodies from 32 concurrent keep-alive clients to a TF-Serving-shaped REST server;
 * gRPC: unary Predict with a 1 MiB tensor from 32 concurrent calls on one channel. For each:
 * p50 and p99 latency added (target p99 added <= 2 ms), throughput ratio agent/direct (target
 * >= 0.9). The agent runs as its own process (the build), with a real redis-server, and its
 * peak resident memory over the whole run is read from /proc (VmHWM; target <= 80 MB).
 *
 * Each protocol runs twice: saturated (the model answers at once, so client, model server and
 * agent compete for the machine's cores and every request queues for CPU) and paced (the model
 * answers after PACE_MS, as a real one computes, leaving the CPU headroom a serving pod has). In
 * the paced rounds the 32 callers start spread over one PACE_MS, so calls arrive steadily (one
 * every 16 ms) with 32 in flight, as independent callers behind a Service do; started at the
 * same instant, they would stay in lockstep and send 32 MiB at once every 500 ms, a burst that
 * measures how long one core takes to copy 32 MiB rather than what the agent adds to a call.
 * Warm-up calls are not counted; direct and agent rounds alternate so that drift of a loaded
 * machine falls on both; the CPU time the agent and this process (client and model servers)
 * spend per request is printed beside, and a miss carries its reason. Every round also runs
 * through a bare TCP relay (tcp-relay.ts), a reference for what any second Node process in a
 * call's path adds on the machine, which the agent's figures can be read against; and a wake-up
 * probe (wakeup-probe.ts) measures, beside every round, how late the machine wakes a sleeping
 * process, the floor under what any hop adds at p99.
 */
import os from 'node:os';
import { Agent as HttpAgent } from 'node:http';
import { freePort } from '../../emulator/stack/processes.js';
import { send, spawnAgent, type SpawnedAgent } from './support.js';
import { spawnRelay, type SpawnedRelay } from './tcp-relay.js';
import { startWakeupProbe, type Wakeup } from './wakeup-probe.js';
import { CONCURRENCY, cpuMs, httpCall, load, nodeFloorMb, quantile, rss, type Call } from './measure.js';
import { predict, predictClient, PredictServer, RestModelServer } from './model-servers.js';
import { RedisServer } from '../../emulator/stack/redis-server.js';
import type { Result, Suite } from '../suite.js';

const MIB = 1 << 20;
const PER_ROUND = 256;
const ROUNDS = 3;
/**
 * The paced rounds: the model answers 500 ms after the request, a ResNet-101 batch of a few
 * images on CPU; 32 such calls in flight move 64 MB/s, which leaves the cores headroom.
 */
const PACE_MS = 500;
const SUITE = 'agent';
const AGENT = 'the agent';
const RELAY = 'a bare TCP relay';

interface Pooled {
  latencies: number[];
  ms: number;
  /** CPU ms of the agent and of this process (client and model servers) over the rounds. */
  agentCpu: number;
  benchCpu: number;
}

/**
 * What sits between caller and model server: the agent (judged against the targets), or the bare
 * TCP relay of tcp-relay.ts (a reference: what any second Node process in the path costs here).
 */
interface Hop {
  readonly who: string;
  readonly pid: number;
  /** For the agent: the bare relay's figures in the same run, which the reasons cite. */
  readonly relay?: { readonly p99: number; readonly ratio: number };
}

/** Alternating direct and hop rounds of one protocol; the figures of both, pooled. */
async function compare(
  label: string,
  direct: Call,
  viaAgent: Call,
  hop: Hop,
  spreadMs: number,
): Promise<Result[]> {
  const agentPid = hop.pid;
  await load(direct, CONCURRENCY * 4, spreadMs);
  await load(viaAgent, CONCURRENCY * 4, spreadMs);
  // Beside the rounds of both hops alike, so that its small load falls on every round.
  const probe = await startWakeupProbe();
  const pooled = {
    direct: { latencies: [], ms: 0, agentCpu: 0, benchCpu: 0 } as Pooled,
    agent: { latencies: [], ms: 0, agentCpu: 0, benchCpu: 0 } as Pooled,
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of [
      ['direct', direct],
      ['agent', viaAgent],
    ] as const) {
      const [agent0, bench0] = [cpuMs(agentPid), cpuMs(process.pid)];
      const r = await load(call, PER_ROUND, spreadMs);
      pooled[name].latencies.push(...r.latencies);
      pooled[name].ms += r.ms;
      pooled[name].agentCpu += cpuMs(agentPid) - agent0;
      pooled[name].benchCpu += cpuMs(process.pid) - bench0;
    }
  }
  const wakeup = await probe.stop();
  const d = [...pooled.direct.latencies].sort((a, b) => a - b);
  const a = [...pooled.agent.latencies].sort((a, b) => a - b);
  const p50 = quantile(a, 0.5) - quantile(d, 0.5);
  const p99 = quantile(a, 0.99) - quantile(d, 0.99);
  const ratio = a.length / pooled.agent.ms / (d.length / pooled.direct.ms);
  const agentCpu = pooled.agent.agentCpu / a.length;
  const benchCpu = pooled.direct.benchCpu / d.length;
  // The same work of client and model server when the calls cross the hop: any growth is what the
  // hop's way of writing costs the two ends (smaller reads, more wake-ups), not the hop itself.
  const benchCpuViaHop = pooled.agent.benchCpu / a.length;
  const cores = os.cpus().length;
  // Above the model's own time (PACE_MS when paced), a direct call waits for CPU and the wire.
  const paced = spreadMs > 0;
  const queued = quantile(d, 0.5) - (paced ? PACE_MS : 0);
  const cost =
    `the agent spends ${agentCpu.toFixed(2)} ms of CPU per request, client + model server ` +
    `${benchCpu.toFixed(2)} ms direct and ${benchCpuViaHop.toFixed(2)} ms through it, on ${cores} ` +
    `core(s) shared with whatever else runs`;
  const relayed =
    hop.relay === undefined
      ? ''
      : `; in the same run a bare TCP relay (bench/agent/tcp-relay.ts: a node:net pipe, nothing else) ` +
        `adds ${hop.relay.p99.toFixed(1)} ms at p99 and reaches ${hop.relay.ratio.toFixed(2)}x of the direct ` +
        `throughput: what a second Node process in the path costs on these cores`;
  const why = paced
    ? `${cost}; at this pace the cores have headroom (a direct call spends ${queued.toFixed(0)} ms ` +
      `beyond the model's time), so what is added is the agent's own work on each call: a second ` +
      `connection for the 1 MiB body to cross, through the agent's socket reads and writes` +
      (label.startsWith('gRPC')
        ? `, and for every HTTP/2 window update on its way back from the model server to the caller`
        : '') +
      relayed
    : `${cost}; a direct call already spends ${queued.toFixed(0)} ms (p50) beyond the model's own ` +
      `time moving 1 MiB, so the cores are busy and the agent's extra copy of each body queues ` +
      `behind that work` +
      relayed;
  const stolen = `the hypervisor took ${wakeup.stealPercent.toFixed(1)}% of the machine's CPU time meanwhile`;
  const floor =
    `; a process of its own sleeping 1 ms at a time (bench/agent/wakeup-probe.ts) woke ` +
    `${wakeup.p99.toFixed(1)} ms late at p99 and ${wakeup.p999.toFixed(1)} ms at p99.9 during these ` +
    `rounds, and ${stolen}: any hop must be woken at least twice per call (its request, its response), ` +
    `so on this machine its p99 added has that lateness as a floor`;
  const metric = (what: string) => `${label} ${what}`;
  if (hop.who !== AGENT)
    return [
      { suite: SUITE, metric: metric(`p50 added by ${hop.who}`), value: p50, unit: 'ms' },
      { suite: SUITE, metric: metric(`p99 added by ${hop.who}`), value: p99, unit: 'ms' },
      { suite: SUITE, metric: metric(`throughput of ${hop.who}/direct`), value: ratio, unit: 'x' },
      { suite: SUITE, metric: metric(`CPU per request of ${hop.who}`), value: agentCpu, unit: 'ms' },
    ];
  return [
    { suite: SUITE, metric: metric('p50 direct'), value: quantile(d, 0.5), unit: 'ms' },
    { suite: SUITE, metric: metric('p99 direct'), value: quantile(d, 0.99), unit: 'ms' },
    { suite: SUITE, metric: metric('p50 added by the agent'), value: p50, unit: 'ms' },
    {
      suite: SUITE,
      metric: metric('p99 added by the agent'),
      value: p99,
      unit: 'ms',
      target: '<= 2 ms',
      // A tail difference below the median difference is noise, not a faster agent: judge both.
      pass: p99 <= 2 && p50 <= 2,
      reason:
        p99 < p50
          ? `the p99 difference (${p99.toFixed(1)} ms) is below the p50 one (${p50.toFixed(1)} ms), ` +
            `so the tails are noise and the p50 is the better bound; ${why}${floor}`
          : why + floor,
    },
    {
      suite: SUITE,
      metric: metric(`throughput agent/direct (${CONCURRENCY} concurrent)`),
      value: ratio,
      unit: 'x',
      target: '>= 0.9',
      pass: ratio >= 0.9,
      reason: `${why}; ${stolen}`,
    },
    { suite: SUITE, metric: metric('agent CPU per request'), value: agentCpu, unit: 'ms' },
    ...wakeupFigures(label, wakeup),
  ];
}

/** What the wake-up probe measured beside one protocol's agent rounds: the machine's floor. */
function wakeupFigures(label: string, w: Wakeup): Result[] {
  const metric = (what: string) => `${label} machine: ${what}`;
  return [
    { suite: SUITE, metric: metric('a 1 ms sleep wakes late, p99'), value: w.p99, unit: 'ms' },
    { suite: SUITE, metric: metric('a 1 ms sleep wakes late, p99.9'), value: w.p999, unit: 'ms' },
    { suite: SUITE, metric: metric('CPU time stolen by the hypervisor'), value: w.stealPercent, unit: '%' },
  ];
}

/** The model servers of one pace, and the agent's routes to them. */
interface Servers {
  readonly rest: RestModelServer;
  readonly grpc: PredictServer;
  readonly httpPort: number;
  readonly grpcPort: number;
}

async function servers(paceMs: number): Promise<Servers> {
  const [rest, grpc] = [await RestModelServer.start(0, paceMs), await PredictServer.start(0, paceMs)];
  return { rest, grpc, httpPort: await freePort(), grpcPort: await freePort() };
}

/**
 * Both protocols against one pace of model servers, direct, through the bare TCP relay (`relay`:
 * its pid and its ports in front of the two servers) and through the agent.
 */
async function scenario(
  s: Servers,
  paceMs: number,
  agentPid: number,
  body: Buffer,
  relay?: { pid: number; httpPort: number; grpcPort: number },
): Promise<Result[]> {
  const pace = paceMs > 0 ? `paced ${paceMs} ms` : 'saturated';
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const grpcAt = (port: number) => predictClient(`127.0.0.1:${port}`);
  const clients = [grpcAt(s.grpc.port), grpcAt(s.grpcPort), ...(relay ? [grpcAt(relay.grpcPort)] : [])];
  const request = { model_spec: { name: 'ok' }, inputs: { images: { dtype: 7, tensor_content: body } } };
  const meta = { 'x-prescaler-batch': 'bench' };
  const grpcCall = (i: number) => () => predict(clients[i]!, request, meta).then(() => undefined);
  const protocols = [
    {
      label: `HTTP/1.1 1 MiB ${pace}`,
      direct: httpCall(s.rest.port, httpAgent, body),
      agent: httpCall(s.httpPort, httpAgent, body),
      relay: relay && httpCall(relay.httpPort, httpAgent, body),
    },
    {
      label: `gRPC unary 1 MiB ${pace}`,
      direct: grpcCall(0),
      agent: grpcCall(1),
      relay: relay && grpcCall(2),
    },
  ];
  try {
    const results: Result[] = [];
    for (const p of protocols) {
      let relayFigures: Hop['relay'];
      if (relay && p.relay) {
        const figures = await compare(p.label, p.direct, p.relay, { who: RELAY, pid: relay.pid }, paceMs);
        const value = (what: string) => figures.find((r) => r.metric.endsWith(what))?.value ?? NaN;
        relayFigures = { p99: value(`p99 added by ${RELAY}`), ratio: value(`throughput of ${RELAY}/direct`) };
        results.push(...figures);
      }
      results.push(
        ...(await compare(
          p.label,
          p.direct,
          p.agent,
          { who: AGENT, pid: agentPid, relay: relayFigures },
          paceMs,
        )),
      );
    }
    return results;
  } finally {
    for (const client of clients) client.close();
    httpAgent.destroy();
  }
}

export const agentBench: Suite = {
  name: 'agent',
  async run(): Promise<Result[]> {
    const redis = await RedisServer.start();
    const saturated = await servers(0);
    const paced = await servers(PACE_MS);
    let agent: SpawnedAgent | undefined;
    let relay: SpawnedRelay | undefined;
    try {
      const admin = await freePort();
      const routes = [saturated, paced].flatMap((s) => [
        `${s.httpPort}=${s.rest.url}`,
        `${s.grpcPort}=h2c://127.0.0.1:${s.grpc.port}`,
      ]);
      agent = await spawnAgent({
        redisUrl: redis.url,
        prefix: 'bench',
        routes: routes.join(','),
        adminPort: admin,
      });
      const pid = agent.child.pid as number;
      const atStart = rss(pid, 'VmRSS');
      const body = Buffer.alloc(MIB, 0x5a);
      const relayPorts = await Promise.all(
        [saturated, paced].map(async () => ({ httpPort: await freePort(), grpcPort: await freePort() })),
      );
      relay = await spawnRelay(
        [saturated, paced].flatMap((s, i) => [
          [relayPorts[i]!.httpPort, s.rest.port] as const,
          [relayPorts[i]!.grpcPort, s.grpc.port] as const,
        ]),
      );
      const relayPid = relay.child.pid as number;
      const results = [
        ...(await scenario(saturated, 0, pid, body, { pid: relayPid, ...relayPorts[0]! })),
        ...(await scenario(paced, PACE_MS, pid, body, { pid: relayPid, ...relayPorts[1]! })),
      ];
      const metrics = await send(admin, '/metrics', { method: 'GET' });
      const counted = Number(
        /prescaler_agent_images_total\{outcome="done"\} (\d+)/.exec(metrics.body)?.[1] ?? 0,
      );
      const peak = rss(pid, 'VmHWM');
      const floor = nodeFloorMb();
      results.push(
        { suite: SUITE, metric: 'images counted done by the agent', value: counted, unit: 'images' },
        { suite: SUITE, metric: 'agent RSS at start (idle)', value: atStart, unit: 'MB' },
        {
          suite: SUITE,
          metric: 'bare Node with node:net and node:http loaded',
          value: floor,
          unit: 'MB',
        },
        {
          suite: SUITE,
          metric: 'agent peak RSS',
          value: peak,
          unit: 'MB',
          target: '<= 80 MB',
          pass: peak <= 80,
          reason:
            `${atStart.toFixed(0)} MB of it is the idle agent, ${floor.toFixed(0)} MB of that a bare Node with node:net and node:http loaded, most of the rest its Redis client; ` +
            `the rest is the socket reads of the calls in flight (each freed once written on) and the heap's growth between collections`,
        },
      );
      return results;
    } finally {
      agent?.child.kill('SIGTERM');
      await agent?.exited;
      await relay?.stop();
      for (const s of [saturated, paced]) {
        await s.grpc.stop();
        await s.rest.stop();
      }
      await redis.stop();
    }
  },
};
