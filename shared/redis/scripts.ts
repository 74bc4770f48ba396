/**
 * Loads the Lua scripts (one per file, each prefixed with lib.lua) and runs them with EVALSHA,
 * falling back to EVAL once when the server has not seen a script (after a restart or failover).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaSource, type LuaScript } from './lua-source.js';

const lib = luaSource('lib');

export class Script {
  readonly lua: string;
  readonly sha: string;

  constructor(readonly name: Exclude<LuaScript, 'lib'>) {
    this.lua = `${lib}\n${luaSource(name)}`;
    this.sha = createHash('sha1').update(this.lua).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

export const scripts = {
  register: new Script('register'),
  reconcile: new Script('reconcile'),
  record: new Script('record'),
} as const;
