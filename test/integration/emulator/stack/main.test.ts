/**
 * `npm start` / `npm run demo` as a user meets them (the built dist/emulator/stack/main.js): a
 * machine without the tools gets one message naming each missing piece and its install command,
 * bad options name the option; both exit 2 without starting anything.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../../../emulator/stack/stack.js';

const main = join(repoRoot(), 'dist', 'emulator', 'stack', 'main.js');

describe('the local stack entry point', () => {
  it('names what is missing and how to install it, and exits 2', () => {
    const result = spawnSync(process.execPath, [main, '--demo'], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent', PUBSUB_EMULATOR_BIN: '/nonexistent/cloud-pubsub-emulator', HOME: '/tmp' },
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'the local stack cannot start: redis-server, Java 17, the Pub/Sub emulator',
    );
    expect(result.stderr).toContain('apt-get install -y redis-server');
    expect(result.stderr).toContain('apt-get install -y openjdk-17-jre-headless');
    expect(result.stderr).toContain('apt-get install -y google-cloud-cli-pubsub-emulator');
  });

  it.each([
    [['--time-scale', 'fast'], '--time-scale: "fast" must be a number from 1 to 1000'],
    [['--speed', '3'], "Unknown option '--speed'"],
    [['--demo', '--no-scenario'], '--demo runs the scenario'],
  ])('refuses %j naming the option', (args, message) => {
    const result = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
