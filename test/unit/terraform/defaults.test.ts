/** Terraform's defaults match the code's constants they stand for. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DEFAULT_KEY_PREFIX } from '../../../shared/redis/keys.js';

function variableDefault(name: string): string | undefined {
  const text = readFileSync('terraform/variables.tf', 'utf8');
  const block = new RegExp(`variable "${name}" \\{[\\s\\S]*?\\n\\}`).exec(text)?.[0] ?? '';
  return /^\s*default\s*=\s*"([^"]*)"/m.exec(block)?.[1];
}

describe('terraform/variables.tf defaults', () => {
  it('key_prefix is DEFAULT_KEY_PREFIX', () => {
    expect(variableDefault('key_prefix')).toBe(DEFAULT_KEY_PREFIX);
  });
});
