/**
 * `npm start` and `npm run demo`: brings the local stack up, runs the demo scenario with a live
 * view, prints the summary, then either stays up until Ctrl-C (`npm start`) or exits with the
 * verdict (`--demo`: 0 when every check passed, 1 otherwise). Missing tools or bad options exit
 * with 2 and one message. Ctrl-C, SIGTERM and errors stop every child process.
 *
 *   node dist/emulator/stack/main.js [--time-scale N] [--demo] [--no-scenario] [--dir DIR]
 */
import { parseArgs } from 'node:util';
import { runScenario, summarize } from './demo.js';
import { MissingPrerequisites } from './prerequisites.js';
import { Stack } from './stack.js';
import { LiveView } from './view.js';

const USAGE =
  'usage: npm start -- [--time-scale N] [--no-scenario] [--dir DIR]   |   npm run demo -- [--time-scale N]';

export interface MainOptions {
  readonly timeScale: number;
  readonly demo: boolean;
  readonly scenario: boolean;
  readonly dir?: string;
}

export class UsageError extends Error {}

export function parseMainArgs(argv: readonly string[]): MainOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'time-scale': { type: 'string', default: '10' },
        demo: { type: 'boolean', default: false },
        'no-scenario': { type: 'boolean', default: false },
        dir: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) throw new UsageError(USAGE);
  const timeScale = Number(values['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale < 1 || timeScale > 1000) {
    throw new UsageError(
      `--time-scale: "${values['time-scale']}" must be a number from 1 to 1000 (try --time-scale 10)`,
    );
  }
  if (values.demo && values['no-scenario'])
    throw new UsageError(`--demo runs the scenario; drop --no-scenario`);
  return {
    timeScale,
    demo: values.demo,
    scenario: !values['no-scenario'],
    ...(values.dir ? { dir: values.dir } : {}),
  };
}

function printInfo(stack: Stack): void {
  const i = stack.info;
  console.log(
    [
      '',
      'the local stack is up:',
      `  kubeconfig          ${i.kubeconfig}   (kubectl --kubeconfig ${i.kubeconfig} get deploy -A)`,
      `  PUBSUB_EMULATOR_HOST=${i.pubsubHost}   project ${i.projectId}, topic ${i.topic}`,
      `  Redis               ${i.redisUrl}`,
      `  reconcile           ${i.reconcileUrl}   (curl -X POST '${i.reconcileUrl}?dryRun=true')`,
      `  prescale            ${i.prescaleUrl}   (push endpoint of the events subscription)`,
      `  registry            ${i.registryFile}`,
      `  logs                ${i.logsDir}`,
      `  for the prescaler command: source ${i.envFile}; then e.g.`,
      `    node dist/cli/main.js publish --target acme/resnet101/v1 --images 10`,
      `    node dist/cli/main.js status`,
      '',
    ].join('\n'),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  let options: MainOptions;
  try {
    options = parseMainArgs(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  let stack: Stack | undefined;
  let stopping = false;
  let release: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => (release = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping the local stack...`);
    release();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  let starting: Promise<Stack> | undefined;
  const run = async (): Promise<number> => {
    starting = Stack.start({
      timeScale: options.timeScale,
      ...(options.dir ? { dir: options.dir } : {}),
      say: (line) => console.log(line),
    });
    stack = await starting;
    if (stopping) return 130;
    printInfo(stack);
    const startedMs = stack.clock.now();
    let verdict = 0;
    if (options.scenario) {
      const view = new LiveView(stack, startedMs, process.stdout, 'prescaler demo');
      view.start();
      const result = await runScenario(stack, { note: (line) => view.note(line) });
      await view.stop();
      console.log(summarize(result).join('\n'));
      verdict = result.ok ? 0 : 1;
    }
    if (options.demo) return verdict;
    printInfo(stack);
    console.log('the stack stays up; press Ctrl-C to stop it');
    const view = new LiveView(stack, startedMs, process.stdout, 'prescaler local stack');
    view.start(1000);
    await interrupted;
    await view.stop();
    return verdict;
  };

  const crashed = new Promise<number>((resolve) => {
    const fail = (error: unknown) => {
      console.error(`the local stack failed: ${(error as Error).stack ?? String(error)}`);
      resolve(1);
    };
    process.once('uncaughtException', fail);
    process.once('unhandledRejection', fail);
  });

  try {
    return await Promise.race([run(), interrupted.then(() => 130), crashed]);
  } catch (error) {
    if (error instanceof MissingPrerequisites) {
      console.error(error.message);
      return 2;
    }
    console.error(`the local stack failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    // A stack still starting at Ctrl-C is awaited, then stopped with the rest.
    const started = stack ?? (await starting?.catch(() => undefined));
    await started?.stop();
    if (stopping) console.error('stopped: no process of the stack is left running.');
  }
}

const code = await main(process.argv.slice(2));
process.exit(code);
