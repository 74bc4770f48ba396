/**
 * `npm run kube -- --port PORT --kubeconfig FILE [--manifests PATH] [--rbac FILE] [--http]
 * [--nodes N] [--namespace NS] [--verbose]`: runs the emulator on its own (options in cli.ts),
 * writes a kubeconfig for its admin user, prints the URL and the kubeconfig path, and stops
 * cleanly on SIGINT/SIGTERM.
 */
import { parseCli, type CliOptions } from './cli.js';
import { KubeEmulator } from './emulator.js';

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  let emulator: KubeEmulator;
  try {
    emulator = await KubeEmulator.start({
      port: options.port,
      tls: !options.http,
      rbac: options.rbac,
      nodes: options.nodes,
      manifests: options.manifests,
      log: options.verbose ? (line) => process.stdout.write(`${line}\n`) : undefined,
    });
    await emulator.writeKubeconfig(options.kubeconfig, undefined, options.namespace);
  } catch (error) {
    process.stderr.write(`kube emulator: ${(error as Error).message}\n`);
    process.exit(1);
  }
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
