/**
 * REDIS_URL, honoured exactly: `redis://` or `rediss://` (TLS), host, port, a username and a
 * password (percent-encoded, as in any URL), and a database number as the path (`/2`). Anything
 * the connection cannot honour (query options, a fragment, a path that is not a database number,
 * a database other than 0 in cluster mode) is refused with an error naming that part, never
 * dropped. `redactUrl` is the only way a URL reaches a message: the password is replaced.
 */
import { ConfigError } from '../errors.js';

export interface RedisEndpoint {
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
}

const REDACTED = '***';

/** The URL with its password (and anything unparsable after the scheme) hidden. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = REDACTED;
    return url.toString();
  } catch {
    // Unparsable: keep the scheme, hide the rest if it may hold a user-info part.
    const at = raw.lastIndexOf('@');
    if (at === -1) return raw;
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(raw)?.[0] ?? '';
    return `${scheme}${REDACTED}${raw.slice(at)}`;
  }
}

/** Removes every occurrence of `secret` from a text (for messages of libraries we do not control). */
export function scrub(text: string, ...secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 1) {
      out = out.split(secret).join(REDACTED);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join(REDACTED);
    }
  }
  return out;
}

function invalid(name: string, raw: string, problem: string, fix: string): ConfigError {
  return new ConfigError(`${name} = ${JSON.stringify(redactUrl(raw))}: ${problem}`, fix);
}

/** Parses a Redis URL; `name` is the setting or flag it came from, for messages. */
export function parseRedisUrl(raw: string, name = 'REDIS_URL', cluster = false): RedisEndpoint {
  const example = 'redis://[user:password@]host:port[/db] or rediss://... for TLS';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(
      name,
      raw,
      `is not a URL; must be ${example}`,
      'use rediss:// for Memorystore with in-transit encryption',
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw invalid(
      name,
      raw,
      `scheme "${url.protocol}" is not supported; must be ${example}`,
      'use redis:// or rediss://',
    );
  }
  if (!url.hostname) throw invalid(name, raw, `has no host; must be ${example}`, 'give the host and port');
  if (url.search) {
    throw invalid(
      name,
      raw,
      `query options (${[...url.searchParams.keys()].join(', ')}) are not supported`,
      'remove the query string: TLS is rediss://, the database is the path, the password the user-info part',
    );
  }
  if (url.hash) throw invalid(name, raw, 'a fragment (#...) is not supported', 'remove it');
  const path = url.pathname;
  let db = 0;
  if (path !== '' && path !== '/') {
    if (!/^\/(0|[1-9][0-9]{0,4})$/.test(path)) {
      throw invalid(
        name,
        raw,
        `path "${path}" is not a database number`,
        'give the database as /N (e.g. /0), or nothing for 0',
      );
    }
    db = Number(path.slice(1));
  }
  if (cluster && db !== 0) {
    throw invalid(
      name,
      raw,
      `database ${db} is not supported in cluster mode (Redis Cluster has database 0 only)`,
      'drop the /N path',
    );
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw invalid(
      name,
      raw,
      'the user-info part is not valid percent-encoding',
      'percent-encode the username and password',
    );
  }
  return {
    tls: url.protocol === 'rediss:',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
}
