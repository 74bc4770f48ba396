#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * `prescaler-agent`: the sidecar's entry, the only module of the agent that touches `process`.
 * Reads the environment once (config.ts), starts the agent, and on SIGTERM or SIGINT drains it
 * and exits 0. A configuration error exits 2 with one JSON log line naming the fix; a failure to
 * listen exits 1.
 */
import { systemClock } from '../shared/clock.js';
import { PrescalerError } from '../shared/errors.js';
import { jsonLogger } from '../shared/log.js';
import { Agent } from './agent.js';
import { parseAgentConfig } from './config.js';

async function main(): Promise<number> {
  const logger = jsonLogger(undefined, { component: 'prescaler-agent' });
  let agent: Agent;
  try {
    agent = new Agent(parseAgentConfig(process.env), { logger, clock: systemClock });
  } catch (error) {
    logger.log('ERROR', `prescaler-agent cannot start: ${(error as Error).message}`, {
      event: 'config_invalid',
      hint: error instanceof PrescalerError ? error.hint : undefined,
    });
    return 2;
  }
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.log('INFO', `${signal} received`, { event: 'signal', signal });
      void agent.shutdown().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  try {
    await agent.start();
  } catch (error) {
    logger.log('ERROR', `prescaler-agent cannot listen: ${(error as Error).message}`, {
      event: 'listen_failed',
    });
    await agent.shutdown(0);
    return 1;
  }
  await stopped;
  return 0;
}

void main().then((code) => process.exit(code));
