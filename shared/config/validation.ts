/**
 * Schema helpers shared by the registry, the settings and the event: ranged numbers whose
 * message states the allowed range, and one formatter that turns schema issues into sentences
 * naming the key, the value that was given and what is allowed.
 */
import { z } from 'zod';

export function intRange(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export function numberRange(min: number, max: number) {
  const error = `must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
}

/** `a.b[2].c` from a schema path. */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One sentence for one issue: `key "x" = 0: must be an integer from 1 to 10`. */
export function describeIssue(
  issue: z.core.$ZodIssue,
  path: ReadonlyArray<PropertyKey> = issue.path,
): string {
  if (issue.code === 'unrecognized_keys') {
    const where = path.length ? ` in "${keyPath(path)}"` : '';
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${where}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or fix the spelling`;
  }
  const key = path.length ? `key "${keyPath(path)}"` : 'value';
  const input = (issue as { input?: unknown }).input;
  return `${key} = ${shown(input)}: ${issue.message}`;
}
