/**
 * The Functions Framework entry points: `prescale` (CloudEvent, Pub/Sub messagePublished) and
 * `reconcile` (HTTP, for Cloud Scheduler). Configuration is read and the connections are warmed
 * at instance start (warm-up.ts); the Google Cloud clients are imported only when first needed.
 * The deployed artifact loads this through entry.ts, which turns on the compile cache first.
 */
import * as functions from '@google-cloud/functions-framework';
import { FUNCTION_ENTRY_POINTS } from '../shared/config/env.js';
import { toPubSubMessage } from './message.js';
import { handlePrescale } from './prescale.js';
import { parseReconcileQuery } from './query.js';
import { runReconcile } from './reconcile.js';
import { getRuntime } from './runtime.js';
import { warmUp } from './warm-up.js';

// Both functions need Redis and the cluster connection on their first call. Start connecting
// now, in the background, so an event that arrives after the instance started pays only its round
// trips. A configuration error is logged here and reported again by the first event; any other
// warm-up failure is left for the first event to retry. The scale calls need no Kubernetes client
// library (shared/kube/scale-http.ts); client-node loads when a kubeconfig is read or reconcile
// first needs it.
try {
  void warmUp(getRuntime());
} catch {
  // getRuntime() logged it; every invocation reports it again.
}

interface MessagePublishedData {
  /** Checked by toPubSubMessage: the envelope is input like any other. */
  message?: unknown;
}

functions.cloudEvent<MessagePublishedData>(
  FUNCTION_ENTRY_POINTS.prescale,
  async (event: functions.CloudEvent<MessagePublishedData>) => {
    await handlePrescale(getRuntime(), toPubSubMessage(event.data?.message));
  },
);

functions.http(FUNCTION_ENTRY_POINTS.reconcile, async (req, res) => {
  const runtime = getRuntime();
  const query = parseReconcileQuery(req.originalUrl ?? req.url, runtime.settings.registry);
  if (!query.ok) {
    runtime.logger.log('WARNING', `reconcile request refused: ${query.body.error}`, {
      event: 'reconcile_refused',
      ...query.body,
    });
    res.status(query.status).json(query.body);
    return;
  }
  const report = await runReconcile(runtime, query.options);
  res.status(report.ok ? 200 : 500).json(report);
});
