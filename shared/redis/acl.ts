/**
 * A Redis ACL user for the workers of one target: it may send exactly the progress-contract
 * commands (progress.ts PROGRESS_CONTRACT) on exactly that target's progress keys, plus PING, and
 * nothing else: no FLUSHALL, no reading or writing the ledger, no other target's keys, no scripts.
 * The password is given by its SHA-256 (`#hash`), so the command carries no secret. A Redis
 * Cluster client must first read the cluster's layout, so the user may also read it (CLUSTER
 * INFO, SLOTS, SHARDS, NODES: the cluster's state, node addresses and slot ranges, no data). Needs Redis 6+
 * or Valkey (Memorystore for Valkey, Memorystore for Redis Cluster); Memorystore for Redis has no
 * ACLs (see docs/deploy.md).
 */
import { createHash } from 'node:crypto';
import { TargetKeys } from './keys.js';
import { PROGRESS_CONTRACT } from './progress.js';

export interface WorkerAcl {
  readonly user: string;
  /** The ACL SETUSER arguments, after `ACL SETUSER`. */
  readonly args: string[];
  /** The command line to run (redis-cli / a Redis shell). */
  readonly command: string;
}

/** The default user name of a target's workers: `prescaler-worker-product-model-version`. */
export function workerUser(target: string): string {
  return `prescaler-worker-${target.replace(/\//g, '-')}`;
}

/** Redis glob special characters in a literal key part are escaped; `*` of the pod pattern is kept. */
function keyPattern(pattern: string): string {
  return pattern.replace(/[?[\]\\]/g, (c) => `\\${c}`);
}

/** What a cluster client reads before its first command (ioredis: CLUSTER SLOTS, then CLUSTER INFO). */
const CLUSTER_LAYOUT = ['cluster|info', 'cluster|slots', 'cluster|shards', 'cluster|nodes'];

export function workerAcl(
  prefix: string,
  target: string,
  password: string,
  user = workerUser(target),
): WorkerAcl {
  const keys = new TargetKeys(prefix, target);
  const args = [
    user,
    'reset',
    'on',
    `#${createHash('sha256').update(password).digest('hex')}`,
    ...PROGRESS_CONTRACT.keys(keys).map((k) => `~${keyPattern(k)}`),
    '-@all',
    ...[...PROGRESS_CONTRACT.commands, 'PING'].map((c) => `+${c.toLowerCase()}`),
    ...CLUSTER_LAYOUT.map((c) => `+${c}`),
  ];
  return { user, args, command: `ACL SETUSER ${args.join(' ')}` };
}
