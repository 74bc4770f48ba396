/**
 * The agent's image: agent/Dockerfile builds on node:24-slim from the compiled build, installs
 * production dependencies only, runs as a non-root user and starts the `prescaler-agent` entry;
 * cloudbuild.yaml builds and pushes it after the build step.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AGENT_NODE_FLAGS } from '../../../agent/node-flags.js';

const DOCKERFILE = readFileSync('agent/Dockerfile', 'utf8');
const instructions = DOCKERFILE.split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'))
  .map((l) => {
    const [op = '', ...rest] = l.trim().split(/\s+/);
    return { op: op.toUpperCase(), args: rest.join(' ') };
  });
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };

describe('agent/Dockerfile', () => {
  it('starts from node:24-slim and ends as the unprivileged node user running the agent entry', () => {
    expect(instructions[0]).toEqual({ op: 'FROM', args: 'node:24-slim' });
    const user = instructions.findIndex((i) => i.op === 'USER');
    expect(instructions[user]?.args).toBe('node');
    const entry = instructions.at(-1);
    expect(entry?.op).toBe('ENTRYPOINT');
    expect(JSON.parse(entry?.args ?? '[]')).toEqual([
      'node',
      ...AGENT_NODE_FLAGS,
      pkg.bin['prescaler-agent'],
    ]);
  });

  it('installs production dependencies from the lock file and copies the compiled agent and shared code', () => {
    const run = instructions.find((i) => i.op === 'RUN')?.args ?? '';
    expect(run).toMatch(/npm ci --omit=dev/);
    const copies = instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toEqual([
      'package.json package-lock.json ./',
      'dist/agent ./dist/agent',
      'dist/shared ./dist/shared',
    ]);
  });

  it('is built and pushed by Cloud Build after the build step', () => {
    const steps = (
      parse(readFileSync('cloudbuild.yaml', 'utf8')) as { steps: Array<{ id: string; args: string[] }> }
    ).steps;
    const ids = steps.map((s) => s.id);
    expect(ids.indexOf('agent-image')).toBeGreaterThan(ids.indexOf('build'));
    const script = steps.find((s) => s.id === 'agent-image')?.args.join(' ') ?? '';
    expect(script).toContain('docker build -f agent/Dockerfile');
    expect(script).toContain('docker push');
  });

  it('has a prescaler-agent bin entry that the build produces', () => {
    expect(pkg.bin['prescaler-agent']).toBe('dist/agent/main.js');
  });

  it('runs the bin with the Node flags of the agent (its shebang)', () => {
    const shebang = readFileSync('agent/main.ts', 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(' ')}`);
  });
});
