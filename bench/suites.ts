/**
 * Every benchmark `npm run bench` runs, in order. Adding one is one line: import its Suite and
 * list it here.
 */
import type { Suite } from './suite.js';
import { prescaleBench } from './functions/prescale.bench.js';
import { reconcileBench } from './functions/reconcile.bench.js';
import { policiesSuite } from './suites/policies.js';
import { soakSuite } from './suites/soak.js';
import { agentBench } from './agent/agent.bench.js';

export const SUITES: readonly Suite[] = [prescaleBench, reconcileBench, policiesSuite, soakSuite, agentBench];
