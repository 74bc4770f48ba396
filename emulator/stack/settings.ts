/**
 * Settings for a local run that builds the functions by hand (the tests and the benchmarks): a
 * registry, a private Redis and a key prefix of their own, with small limits.
 */
import { parseRegistry, Registry } from '../../shared/config/registry.js';
import type { Settings } from '../../shared/config/settings.js';

export function localSettings(
  registry: Registry | Record<string, unknown>,
  redisUrl: string,
  keyPrefix: string,
  overrides: Partial<Pick<Settings, 'maxImagesPerEvent' | 'reconcileConcurrency'>> = {},
): Settings {
  return {
    registry: registry instanceof Registry ? registry : parseRegistry({ targets: registry }),
    redis: { url: redisUrl },
    keyPrefix,
    maxImagesPerEvent: 1000,
    reconcileConcurrency: 4,
    ...overrides,
  };
}
