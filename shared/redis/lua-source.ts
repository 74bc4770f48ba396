/**
 * Where the Lua scripts' text comes from: the .lua files beside this module when run from source
 * or from dist/. The deployable bundle (scripts/bundle.ts) replaces this module with one holding
 * the scripts' text, embedded at build time, so the artifact reads no file at run time.
 */
import { readFileSync } from 'node:fs';

export const LUA_SCRIPTS = ['lib', 'register', 'reconcile', 'record'] as const;
export type LuaScript = (typeof LUA_SCRIPTS)[number];

export function luaSource(name: LuaScript): string {
  return readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
}
