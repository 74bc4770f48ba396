/**
 * Runs the machine's real kubectl against an emulator: a private HOME and cache directory per
 * run (no discovery cache leaks between runs), asynchronously (the emulator answers from the
 * test's own process), and long-running commands (`rollout status`, `get -w`) as children whose
 * output the test reads while it moves the virtual clock.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Table rows split on runs of spaces (kubectl pads columns with at least three). */
export const rows = (text: string): string[][] =>
  text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));

const environment = (home: string, kubeconfig: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  KUBECONFIG: kubeconfig,
});

/** `kubectl ARGS` with `home` as HOME (and its cache), resolved with the exit code and output. */
export function runKubectl(home: string, args: string[], kubeconfig: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      KUBECTL,
      [...args, '--cache-dir', join(home, 'cache')],
      { env: environment(home, kubeconfig), timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface Running {
  /** Everything printed on stdout so far. */
  readonly output: () => string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
  /** Waits (real time, up to ~5 s) until stdout contains `text`. */
  readonly waitFor: (text: string) => Promise<void>;
}

/** Starts a kubectl that keeps running (a watch); the test reads its output as it goes. */
export function startKubectl(home: string, args: string[], kubeconfig: string): Running {
  const child = spawn(KUBECTL, [...args, '--cache-dir', join(home, 'cache')], {
    env: environment(home, kubeconfig),
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const waitFor = async (text: string): Promise<void> => {
    for (let i = 0; i < 100 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
  };
  return { output: () => out, exited, waitFor };
}
