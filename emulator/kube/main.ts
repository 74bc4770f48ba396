/**
 * `npm run kube -- --port PORT --kubeconfig FILE [--manifests PATH] [--rbac FILE] [--http]
 * [--nodes N] [--namespace NS] [--verbose]`: runs the emulator on its own, writes a kubeconfig for
 * its admin user, prints the URL and the kubeconfig path, and stops cleanly on SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeEmulator } from './emulator.js';

const usage =
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

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const emulator = await KubeEmulator.start({
    port: options.port,
    tls: !options.http,
    rbac: options.rbac,
    nodes: options.nodes,
    manifests: options.manifests,
    log: options.verbose ? (line) => process.stdout.write(`${line}\n`) : undefined,
  });
  await emulator.writeKubeconfig(options.kubeconfig, undefined, options.namespace);
  const deployments = emulator.listDeployments();
  process.stdout.write(
    [
      `kube emulator listening on ${emulator.url}`,
      `kubeconfig: ${options.kubeconfig}`,
      `deployments: ${deployments.length}`,
      `try: KUBECONFIG=${options.kubeconfig} kubectl get deploy -A`,
      '',
    ].join('\n'),
  );
  const stop = (signal: string): void => {
    process.stdout.write(`${signal}: stopping\n`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

await main();
