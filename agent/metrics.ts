/**
 * The agent's Prometheus metrics (prom-client, a registry of its own), served at /metrics:
 *
 *   prescaler_agent_in_flight_requests / _images   gauges
 *   prescaler_agent_requests_total{route,outcome}  outcome: done | failed | retryable | untagged
 *   prescaler_agent_images_total{outcome}          done | failed (as counted for Redis)
 *   prescaler_agent_upstream_seconds{route}        histogram: request start to response end
 *   prescaler_agent_upstream_errors_total{route}   upstream unreachable or reset
 *   prescaler_agent_redis_errors_total             failed heartbeat or count writes
 *   prescaler_agent_images_lost_total{outcome}     counts given up after the retry bound
 *   prescaler_agent_images_pending                 counts waiting for Redis
 *   prescaler_agent_bad_headers_total              unusable x-prescaler-* headers
 *   process_* from prom-client's default collectors
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type RequestOutcome = 'done' | 'failed' | 'retryable' | 'untagged';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly inFlightRequests: Gauge;
  readonly inFlightImages: Gauge;
  readonly requests: Counter<'route' | 'outcome'>;
  readonly images: Counter<'outcome'>;
  readonly upstreamSeconds: Histogram<'route'>;
  readonly upstreamErrors: Counter<'route'>;
  readonly redisErrors: Counter;
  readonly imagesLost: Counter<'outcome'>;
  readonly imagesPending: Gauge;
  readonly badHeaders: Counter;

  constructor(read: { requests(): number; images(): number; pending(): number }) {
    const registers = [this.registry];
    this.inFlightRequests = new Gauge({
      name: 'prescaler_agent_in_flight_requests',
      help: 'Requests in flight through the agent',
      registers,
      collect() {
        this.set(read.requests());
      },
    });
    this.inFlightImages = new Gauge({
      name: 'prescaler_agent_in_flight_images',
      help: 'Images in flight through the agent (the heartbeat value)',
      registers,
      collect() {
        this.set(read.images());
      },
    });
    this.requests = new Counter({
      name: 'prescaler_agent_requests_total',
      help: 'Requests proxied, by route and outcome',
      labelNames: ['route', 'outcome'],
      registers,
    });
    this.images = new Counter({
      name: 'prescaler_agent_images_total',
      help: 'Images counted done or failed',
      labelNames: ['outcome'],
      registers,
    });
    this.upstreamSeconds = new Histogram({
      name: 'prescaler_agent_upstream_seconds',
      help: 'Time from request start to the end of the upstream response',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: 'prescaler_agent_upstream_errors_total',
      help: 'Requests whose upstream was unreachable or reset',
      labelNames: ['route'],
      registers,
    });
    this.redisErrors = new Counter({
      name: 'prescaler_agent_redis_errors_total',
      help: 'Heartbeat or count writes that Redis did not take',
      registers,
    });
    this.imagesLost = new Counter({
      name: 'prescaler_agent_images_lost_total',
      help: 'Image counts given up after the retry bound, never written to Redis',
      labelNames: ['outcome'],
      registers,
    });
    this.imagesPending = new Gauge({
      name: 'prescaler_agent_images_pending',
      help: 'Image counts waiting to be written to Redis',
      registers,
      collect() {
        this.set(read.pending());
      },
    });
    this.badHeaders = new Counter({
      name: 'prescaler_agent_bad_headers_total',
      help: 'Requests with an unusable x-prescaler-batch or x-prescaler-images header (not counted)',
      registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'prescaler_agent_' });
  }
}
