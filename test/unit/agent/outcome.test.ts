import { describe, expect, it } from '@jest/globals';
import { grpcOutcome, httpOutcome, readTag } from '../../../agent/outcome.js';

describe('the counting rule', () => {
  it.each([
    [200, 'done'],
    [204, 'done'],
    [301, 'retryable'],
    [400, 'failed'],
    [404, 'failed'],
    [408, 'retryable'],
    [413, 'failed'],
    [429, 'retryable'],
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
  ])('HTTP %i counts as %s', (status, outcome) => expect(httpOutcome(status)).toBe(outcome));

  it.each([
    [0, 'done'],
    [1, 'retryable'],
    [2, 'retryable'],
    [3, 'failed'],
    [4, 'retryable'],
    [5, 'failed'],
    [7, 'failed'],
    [8, 'retryable'],
    [9, 'failed'],
    [12, 'failed'],
    [13, 'retryable'],
    [14, 'retryable'],
    [16, 'failed'],
  ])('gRPC code %i counts as %s', (code, outcome) => expect(grpcOutcome(code)).toBe(outcome));

  it('reads the batch and image count, defaulting to one image', () => {
    expect(readTag({})).toEqual({});
    expect(readTag({ 'x-prescaler-batch': 'b1' })).toEqual({ tag: { batchId: 'b1', images: 1 } });
    expect(readTag({ 'x-prescaler-batch': 'b1', 'x-prescaler-images': '12' })).toEqual({
      tag: { batchId: 'b1', images: 12 },
    });
  });

  it.each(['0', '-1', '1.5', 'ten', '100001'])('names an unusable image count %s', (raw) => {
    const { tag, error } = readTag({ 'x-prescaler-batch': 'b1', 'x-prescaler-images': raw });
    expect(tag).toBeUndefined();
    expect(error).toContain(`x-prescaler-images = "${raw}"`);
  });
});
