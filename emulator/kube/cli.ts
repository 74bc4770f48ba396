/**
 * The command line of `npm run kube`: `--port PORT --kubeconfig FILE [--manifests PATH]
 * [--rbac FILE] [--http] [--nodes N] [--namespace NS] [--verbose]`, parsed with util.parseArgs
 * into validated options. Errors name the option and the value.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const usage =
  'usage: npm run kube -- --port PORT --kubeconfig FILE [--manifests PATH] [--rbac FILE] [--http] [--nodes N] [--namespace NS] [--verbose]';

export interface CliOptions {
  readonly port: number;
  readonly kubeconfig: string;
  readonly manifests?: string;
  readonly rbac?: string;
  readonly http: boolean;
  readonly nodes?: number;
  readonly namespace?: string;
  readonly verbose: boolean;
}

/** Parses the command line; throws with a message that names the bad option and value. */
export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '0' },
      kubeconfig: { type: 'string' },
      manifests: { type: 'string' },
      rbac: { type: 'string' },
      http: { type: 'boolean', default: false },
      nodes: { type: 'string' },
      namespace: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new Error(usage);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port: value "${values.port}" must be an integer from 0 to 65535`);
  }
  if (values.kubeconfig === undefined || values.kubeconfig === '') {
    throw new Error(`--kubeconfig: missing required option\n${usage}`);
  }
  let nodes: number | undefined;
  if (values.nodes !== undefined) {
    nodes = Number(values.nodes);
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 1000) {
      throw new Error(`--nodes: value "${values.nodes}" must be an integer from 1 to 1000`);
    }
  }
  return {
    port,
    kubeconfig: resolve(values.kubeconfig),
    manifests: values.manifests,
    rbac: values.rbac,
    http: values.http,
    nodes,
    namespace: values.namespace,
    verbose: values.verbose,
  };
}
