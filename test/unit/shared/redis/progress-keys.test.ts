/** The key layout against the shared vectors that the Python library's tests read too. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { holderMember, TargetKeys } from '../../../../shared/redis/keys.js';

interface Vectors {
  cases: Array<{
    prefix: string;
    target: string;
    pod: string;
    holder: string;
    images: number;
    keys: { tag: string; done: string; failed: string; pod: string; holders: string };
    holderMember: string;
  }>;
  invalidHolderIds: string[];
  invalidImages: number[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/progress-keys.json', import.meta.url), 'utf8'),
) as Vectors;

describe('progress keys (shared vectors)', () => {
  it.each(vectors.cases.map((c) => [c.target, c] as const))('builds the keys of %s', (_, c) => {
    const keys = new TargetKeys(c.prefix, c.target);
    expect({
      tag: keys.tag,
      done: keys.done,
      failed: keys.failed,
      pod: keys.pod(c.pod),
      holders: keys.holders(c.pod),
    }).toEqual(c.keys);
    expect(holderMember(c.holder, c.images)).toBe(c.holderMember);
  });

  it('refuses holder ids and counts the contract cannot carry', () => {
    for (const id of vectors.invalidHolderIds) expect(() => holderMember(id, 1)).toThrow(/holder id/);
    for (const n of vectors.invalidImages) expect(() => holderMember('h', n)).toThrow(/whole number/);
  });
});
