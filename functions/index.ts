/**
 * The Functions Framework entry points: `prescale` (CloudEvent, Pub/Sub messagePublished) and
 * `reconcile` (HTTP, for Cloud Scheduler). Configuration is read on the first invocation, and
 * the heavy clients (Kubernetes, Google Cloud) are imported only when first needed.
 */
import * as functions from '@google-cloud/functions-framework';
import { FUNCTION_ENTRY_POINTS } from '../shared/config/env.js';
import { handlePrescale, type PubSubMessage } from './prescale.js';
import { parseReconcileQuery } from './query.js';
import { runReconcile } from './reconcile.js';
import { getRuntime } from './runtime.js';

// Both functions need the Kubernetes client on their first call. Start loading it now, in the
// background, so an event that arrives after the instance started does not wait for it.
void import('../shared/kube/client-node-api.js').catch(() => undefined);

interface MessagePublishedData {
  message?: PubSubMessage;
}

functions.cloudEvent<MessagePublishedData>(
  FUNCTION_ENTRY_POINTS.prescale,
  async (event: functions.CloudEvent<MessagePublishedData>) => {
    await handlePrescale(getRuntime(), event.data?.message ?? {});
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
