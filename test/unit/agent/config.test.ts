import { describe, expect, it } from '@jest/globals';
import { parseAgentConfig, parseRoutes } from '../../../agent/config.js';
import { ConfigError } from '../../../shared/errors.js';

const BASE = {
  PRESCALER_TARGET: 'acme/resnet101/v1',
  HOSTNAME: 'resnet-7d9f-abcde',
  PRESCALER_AGENT_ROUTES: '8501=http://127.0.0.1:8511,8500=h2c://127.0.0.1:8510',
};

describe('agent configuration', () => {
  it('reads the routes, defaults and the pod name from HOSTNAME', () => {
    const config = parseAgentConfig(BASE);
    expect(config).toMatchObject({
      target: 'acme/resnet101/v1',
      pod: 'resnet-7d9f-abcde',
      keyPrefix: 'prescaler',
      adminPort: 9091,
      heartbeatSeconds: 30,
      refreshSeconds: 10,
      redis: { url: 'redis://127.0.0.1:6379' },
    });
    expect(config.routes).toEqual([
      {
        listenPort: 8501,
        protocol: 'http',
        upstreamHost: '127.0.0.1',
        upstreamPort: 8511,
        upstream: 'http://127.0.0.1:8511',
      },
      {
        listenPort: 8500,
        protocol: 'h2c',
        upstreamHost: '127.0.0.1',
        upstreamPort: 8510,
        upstream: 'h2c://127.0.0.1:8510',
      },
    ]);
    expect(parseAgentConfig({ ...BASE, POD_NAME: 'from-downward-api' }).pod).toBe('from-downward-api');
  });

  it.each([
    [{ PRESCALER_TARGET: undefined }, /PRESCALER_TARGET = null: must be "product\/model\/version"/],
    [{ PRESCALER_TARGET: 'resnet' }, /PRESCALER_TARGET = "resnet"/],
    [{ HOSTNAME: undefined }, /POD_NAME = null/],
    [{ PRESCALER_AGENT_ROUTES: '' }, /PRESCALER_AGENT_ROUTES is not set/],
    [{ PRESCALER_AGENT_ROUTES: '8501=https://x:1' }, /"8501=https:\/\/x:1" is not LISTEN_PORT=http/],
    [{ PRESCALER_AGENT_ROUTES: '8501=http://a:1,8501=http://b:2' }, /listen port 8501 is given twice/],
    [{ PRESCALER_AGENT_ROUTES: '70000=http://a:1' }, /listen port 70000 .* must be 1 to 65535/],
    [{ PRESCALER_AGENT_ADMIN_PORT: '8501' }, /also a listen port/],
    [
      { PRESCALER_AGENT_GRACE_SECONDS: '-1' },
      /PRESCALER_AGENT_GRACE_SECONDS = "-1": must be an integer from 0/,
    ],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL = "localhost:6379"/],
  ])('rejects %j with a ConfigError naming the variable', (change, message) => {
    const env = { ...BASE, ...change };
    expect(() => parseAgentConfig(env)).toThrow(ConfigError);
    expect(() => parseAgentConfig(env)).toThrow(message);
  });

  it('parses several routes and ignores empty parts', () => {
    expect(
      parseRoutes('8080=http://localhost:8081,,7070=h2c://localhost:7071').map((r) => r.listenPort),
    ).toEqual([8080, 7070]);
  });
});
