/**
 * The agent's metrics, served at /metrics in the Prometheus text format (prometheus.ts):
 *
 *   prescaler_agent_in_flight_requests / _images   gauges
 *   prescaler_agent_requests_total{route,outcome}  outcome: done | failed | retryable | untagged
 *   prescaler_agent_images_total{outcome}          done | failed (as counted for Redis)
 *   prescaler_agent_upstream_seconds{route}        histogram: request start to response end
 *   prescaler_agent_upstream_errors_total{route}   callers' connections whose upstream could not be reached
 *   prescaler_agent_redis_errors_total             failed heartbeat or count writes
 *   prescaler_agent_images_lost_total{outcome}     counts given up after the retry bound
 *   prescaler_agent_images_pending                 counts waiting for Redis
 *   prescaler_agent_bad_headers_total              unusable x-prescaler-* headers
 *   process_resident_memory_bytes, process_cpu_seconds_total
 */
import { Counter, Gauge, Histogram, Registry } from './prometheus.js';

export type RequestOutcome = 'done' | 'failed' | 'retryable' | 'untagged';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly requests: Counter;
  readonly images: Counter;
  readonly upstreamSeconds: Histogram;
  readonly upstreamErrors: Counter;
  readonly redisErrors: Counter;
  readonly imagesLost: Counter;
  readonly badHeaders: Counter;

  constructor(read: { requests: () => number; images: () => number; pending: () => number }) {
    const r = this.registry;
    r.register(
      new Gauge('prescaler_agent_in_flight_requests', 'Requests in flight through the agent', read.requests),
    );
    r.register(
      new Gauge(
        'prescaler_agent_in_flight_images',
        'Images in flight through the agent (the heartbeat value)',
        read.images,
      ),
    );
    this.requests = r.register(
      new Counter('prescaler_agent_requests_total', 'Requests proxied, by route and outcome', []),
    );
    const outcomes = [{ outcome: 'done' }, { outcome: 'failed' }];
    this.images = r.register(
      new Counter('prescaler_agent_images_total', 'Images counted done or failed', outcomes),
    );
    this.upstreamSeconds = r.register(
      new Histogram(
        'prescaler_agent_upstream_seconds',
        'Time from request start to the end of the upstream response',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      ),
    );
    this.upstreamErrors = r.register(
      new Counter(
        'prescaler_agent_upstream_errors_total',
        "Callers' connections whose upstream could not be reached (answered 502 / UNAVAILABLE)",
        [],
      ),
    );
    this.redisErrors = r.register(
      new Counter('prescaler_agent_redis_errors_total', 'Heartbeat or count writes that Redis did not take'),
    );
    this.imagesLost = r.register(
      new Counter(
        'prescaler_agent_images_lost_total',
        'Image counts given up after the retry bound, never written to Redis',
        outcomes,
      ),
    );
    r.register(
      new Gauge(
        'prescaler_agent_images_pending',
        'Image counts waiting to be written to Redis',
        read.pending,
      ),
    );
    this.badHeaders = r.register(
      new Counter(
        'prescaler_agent_bad_headers_total',
        'Requests with an unusable x-prescaler-batch or x-prescaler-images header (not counted)',
      ),
    );
    r.register(
      new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes', () =>
        process.memoryUsage.rss(),
      ),
    );
    r.register(
      new Gauge(
        'process_cpu_seconds_total',
        'User and system CPU time spent in seconds',
        () => {
          const { user, system } = process.cpuUsage();
          return (user + system) / 1e6;
        },
        'counter',
      ),
    );
  }
}
