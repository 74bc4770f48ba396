/**
 * The reconcile endpoint's query string, parsed strictly: `dryRun` is `true` or `false`,
 * `target` a registered target, each at most once, and nothing else. Anything else is refused
 * (400, or 404 for an unregistered target) with a body naming the parameter, the value given and
 * what is allowed, before any work is done, so a mistyped dry run can never run a real pass.
 */
import type { Registry } from '../shared/config/registry.js';
import type { ReconcileOptions } from './reconcile.js';

export const RECONCILE_PARAMETERS = ['dryRun', 'target'] as const;

export interface QueryRefusal {
  readonly status: 400 | 404;
  readonly body: {
    readonly error: string;
    readonly code: 'bad_parameter' | 'unknown_target';
    readonly parameter: string;
    readonly value: string | readonly string[];
    readonly allowed: readonly string[] | string;
  };
}

export type QueryResult =
  { readonly ok: true; readonly options: ReconcileOptions } | ({ readonly ok: false } & QueryRefusal);

function refuse(
  parameter: string,
  value: string | readonly string[],
  allowed: readonly string[] | string,
  error: string,
  status: 400 | 404 = 400,
): QueryResult {
  const code = status === 404 ? 'unknown_target' : 'bad_parameter';
  return { ok: false, status, body: { error, code, parameter, value, allowed } };
}

/** Parses the raw query string (everything after `?`, or a whole request URL). */
export function parseReconcileQuery(url: string, registry: Registry): QueryResult {
  const question = url.indexOf('?');
  const search = question === -1 ? (url.includes('=') ? url : '') : url.slice(question + 1);
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(search);
  } catch {
    return refuse('(query)', search, RECONCILE_PARAMETERS, 'the query string cannot be parsed');
  }
  const seen = new Map<string, string[]>();
  for (const [key, value] of params) seen.set(key, [...(seen.get(key) ?? []), value]);
  for (const [key, values] of seen) {
    if (!(RECONCILE_PARAMETERS as readonly string[]).includes(key)) {
      return refuse(
        key,
        values,
        RECONCILE_PARAMETERS,
        `unknown parameter "${key}": reconcile takes only ${RECONCILE_PARAMETERS.join(' and ')}`,
      );
    }
    if (values.length > 1) {
      return refuse(
        key,
        values,
        'at most once',
        `parameter "${key}" is given ${values.length} times; give it at most once`,
      );
    }
  }
  const dryRun = seen.get('dryRun')?.[0];
  if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false') {
    return refuse(
      'dryRun',
      dryRun,
      ['true', 'false'],
      `dryRun = ${JSON.stringify(dryRun)}: must be "true" or "false"`,
    );
  }
  const target = seen.get('target')?.[0];
  if (target !== undefined && !registry.get(target)) {
    return refuse('target', target, registry.names, `target "${target}" is not registered`, 404);
  }
  return {
    ok: true,
    options: { dryRun: dryRun === 'true', ...(target !== undefined ? { target } : {}) },
  };
}
