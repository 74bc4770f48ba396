/**
 * node:http, loaded with `require`. An ESM `import ... from 'node:http'` builds the module's
 * namespace by reading every export, lazy ones included, and that loads node:tls and node:http2
 * as well: about 14 MB more of an idle agent's resident memory, for modules it does not need
 * (the h2c route reads frames itself; node:http2 is loaded only to answer callers while an
 * upstream is unreachable, agent/proxy-h2.ts).
 */
import { createRequire } from 'node:module';
import type * as NodeHttp from 'node:http';

export const http = createRequire(import.meta.url)('node:http') as typeof NodeHttp;
