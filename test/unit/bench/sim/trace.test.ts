/**
 * Workload traces for the simulator: CSV and JSON lines of batches, and arrival logs (a
 * timestamp and an images column); every bad line is named with its field and the fix.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseTrace, TraceError } from '../../../../bench/sim/trace.js';

const HEADER = 'atSeconds,target,batchId,images';
const R = 'acme/resnet101/v1';
const known = { knownTargets: [R] };
const batch = (atSeconds: number, batchId: string, images: number) => ({
  atSeconds,
  target: R,
  batchId,
  images,
});
const batches = (text: string, source: string) => parseTrace(text, source, known).batches;

function error(text: string, source = 'trace.csv'): TraceError {
  try {
    parseTrace(text, source, known);
  } catch (caught) {
    if (caught instanceof TraceError) return caught;
    throw caught;
  }
  throw new Error('expected a TraceError');
}

describe('parseTrace', () => {
  it.each([
    [
      'CSV, skipping blank and comment lines, sorted by time',
      `# a comment\n${HEADER}\n\n20,${R},b,3\n5.5,${R},a,400\n`,
      'day.csv',
      [batch(5.5, 'a', 400), batch(20, 'b', 3)],
    ],
    [
      'JSON lines',
      `{"atSeconds":1,"target":"${R}","batchId":"x","images":2}\n`,
      'day.jsonl',
      [batch(1, 'x', 2)],
    ],
    [
      'an arrival log: ISO 8601 times from the earliest row, other columns ignored, target and ids filled',
      'images,timestamp,source\n12,2026-11-24T07:01:05Z,rerun\n400,2026-11-24T07:00:00Z,nightly\n3,2026-11-24T08:02:20+01:00,x\n',
      'log.csv',
      [batch(0, 'line-3', 400), batch(65, 'line-2', 12), batch(140, 'line-4', 3)],
    ],
    [
      'an arrival log with target and batchId columns',
      `timestamp,target,batchId,images\n1764000000,${R},run-7,9\n`,
      'log.csv',
      [batch(0, 'run-7', 9)],
    ],
  ])('reads %s', (_, text, source, expected) => {
    expect(batches(text, source)).toEqual(expected);
  });

  it('lasts until the last batch', () => {
    expect(parseTrace(`${HEADER}\n20,${R},b,3\n5.5,${R},a,400\n`, 'day.csv', known).durationSeconds).toBe(20);
  });

  it('reads the sample trace that ships with the benchmarks', () => {
    const text = readFileSync(new URL('../../../../bench/traces/sample.csv', import.meta.url), 'utf8');
    expect(batches(text, 'sample.csv').length).toBeGreaterThan(3);
  });

  it.each([
    [`${HEADER}\n1,acme/resnet101/v1,a,1\n2,acme/resnet101/v1,b,zero`, 3, 'images', 'must be a whole number'],
    [`${HEADER}\n-1,acme/resnet101/v1,a,1`, 2, 'atSeconds', 'must be a number of seconds'],
    [`${HEADER}\n1,acme/resnet101/v1,a,0`, 2, 'images', 'must be a whole number'],
    [`${HEADER}\n1,acme/resnet101/v1,a`, 2, 'images', 'is missing'],
    [`${HEADER}\n1,nobody/else/v1,a,1`, 2, 'target', 'must be a registered target'],
    [`${HEADER}\n1,not-a-target,a,1`, 2, 'target', 'must be a target name'],
    [`${HEADER}\n1,acme/resnet101/v1,a b,1`, 2, 'batchId', 'must be 1-128 letters'],
    [
      `${HEADER}\n1,acme/resnet101/v1,a,1\n2,acme/resnet101/v1,a,1`,
      3,
      'batchId',
      'repeats batch "a" of line 2',
    ],
    ['atSeconds,target,images,batchId\n1,acme/resnet101/v1,1,a', 1, 'batchId', 'does not match the header'],
  ])('CSV error %#: line %i, field %s', (text, line, field, problem) => {
    const caught = error(text);
    expect(caught.line).toBe(line);
    expect(caught.field).toBe(field);
    expect(caught.message).toContain(`trace.csv line ${line}: field "${field}" ${problem}`);
  });

  it.each([
    ['{"atSeconds":1,"target":"acme/resnet101/v1","batchId":"a"}', 'images', 'is missing'],
    [
      '{"atSeconds":"soon","target":"acme/resnet101/v1","batchId":"a","images":1}',
      'atSeconds',
      'must be a number',
    ],
    ['{"atSeconds":1,"target":"acme/resnet101/v1","batchId":"a","images":1.5}', 'images', 'got 1.5'],
    [
      '{"atSeconds":1,"target":"acme/resnet101/v1","batchId":"a","images":1,"x":2}',
      'x',
      'is not a trace field',
    ],
  ])('JSON lines error %#: names field %s', (line, field, problem) => {
    const caught = error(
      `{"atSeconds":0,"target":"acme/resnet101/v1","batchId":"ok","images":1}\n${line}`,
      't.jsonl',
    );
    expect(caught.message).toContain(`t.jsonl line 2: field "${field}" `);
    expect(caught.message).toContain(problem);
  });

  it('names the line of JSON that does not parse', () => {
    expect(error('{"atSeconds":1,\n', 't.jsonl').message).toMatch(/^t\.jsonl line 1: is not valid JSON/);
  });

  it('asks for the header when a CSV trace has none', () => {
    expect(error('', 'empty.csv').message).toBe(
      `empty.csv line 1: is empty: a CSV trace starts with the header ${HEADER}`,
    );
  });

  describe('arrival logs: a timestamp and an images column', () => {
    it('reads epoch seconds, and a time without a zone as UTC', () => {
      const epoch = batches('timestamp,images\n1764000000,5\n1764000090.5,7\n', 'log.csv');
      expect(epoch.map((b) => [b.atSeconds, b.images])).toEqual([
        [0, 5],
        [90.5, 7],
      ]);
      const local = batches('timestamp,images\n2026-11-24 07:00:00,1\n2026-11-24T07:00:00Z,2\n', 'l.csv');
      expect(local.map((b) => b.atSeconds)).toEqual([0, 0]);
    });

    it.each([
      [
        'timestamp,images\nyesterday,4',
        2,
        'timestamp',
        'must be ISO 8601 (2026-11-24T07:00:00Z) or epoch seconds',
      ],
      ['timestamp,images\n1764000000,none', 2, 'images', 'must be a whole number'],
      ['timestamp,images\n1764000000,1\n"1764000001,2', 3, undefined, 'is not valid CSV'],
    ])('names the line and the field: %#', (text, line, field, problem) => {
      const caught = error(text);
      expect(caught.line).toBe(line);
      expect(caught.field).toBe(field);
      expect(caught.message).toContain(problem);
    });

    it('reads the sample arrival log that ships with the benchmarks', () => {
      const text = readFileSync(new URL('../../../../bench/traces/arrivals.csv', import.meta.url), 'utf8');
      expect(batches(text, 'arrivals.csv').map((b) => b.atSeconds)).toEqual([0, 65, 140, 900, 960, 1500]);
    });
  });
});
