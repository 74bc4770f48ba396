import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseTrace, TraceError } from '../../../../bench/sim/trace.js';

const HEADER = 'atSeconds,target,batchId,images';
const known = { knownTargets: ['acme/resnet101/v1'] };

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
  it('reads CSV, skipping blank and comment lines, sorted by time', () => {
    const workload = parseTrace(
      `# a comment\n${HEADER}\n\n20,acme/resnet101/v1,b,3\n5.5,acme/resnet101/v1,a,400\n`,
      'day.csv',
      known,
    );
    expect(workload.batches).toEqual([
      { atSeconds: 5.5, target: 'acme/resnet101/v1', batchId: 'a', images: 400 },
      { atSeconds: 20, target: 'acme/resnet101/v1', batchId: 'b', images: 3 },
    ]);
    expect(workload.durationSeconds).toBe(20);
  });

  it('reads JSON lines', () => {
    const workload = parseTrace(
      '{"atSeconds":1,"target":"acme/resnet101/v1","batchId":"x","images":2}\n',
      'day.jsonl',
      known,
    );
    expect(workload.batches).toEqual([
      { atSeconds: 1, target: 'acme/resnet101/v1', batchId: 'x', images: 2 },
    ]);
  });

  it('reads the sample trace that ships with the benchmarks', () => {
    const text = readFileSync(new URL('../../../../bench/traces/sample.csv', import.meta.url), 'utf8');
    expect(parseTrace(text, 'sample.csv', known).batches.length).toBeGreaterThan(3);
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
    it('counts ISO 8601 times from the earliest row, ignores other columns, fills target and ids', () => {
      const workload = parseTrace(
        'images,timestamp,source\n12,2026-11-24T07:01:05Z,rerun\n400,2026-11-24T07:00:00Z,nightly\n3,2026-11-24T08:02:20+01:00,x\n',
        'log.csv',
        known,
      );
      expect(workload.batches).toEqual([
        { atSeconds: 0, target: 'acme/resnet101/v1', batchId: 'line-3', images: 400 },
        { atSeconds: 65, target: 'acme/resnet101/v1', batchId: 'line-2', images: 12 },
        { atSeconds: 140, target: 'acme/resnet101/v1', batchId: 'line-4', images: 3 },
      ]);
    });

    it('reads epoch seconds, and a time without a zone as UTC', () => {
      const epoch = parseTrace('timestamp,images\n1764000000,5\n1764000090.5,7\n', 'log.csv', known);
      expect(epoch.batches.map((b) => [b.atSeconds, b.images])).toEqual([
        [0, 5],
        [90.5, 7],
      ]);
      const local = parseTrace(
        'timestamp,images\n2026-11-24 07:00:00,1\n2026-11-24T07:00:00Z,2\n',
        'l.csv',
        known,
      );
      expect(local.batches.map((b) => b.atSeconds)).toEqual([0, 0]);
    });

    it('takes target and batchId columns when the log has them', () => {
      const workload = parseTrace(
        'timestamp,target,batchId,images\n1764000000,acme/resnet101/v1,run-7,9\n',
        'log.csv',
        known,
      );
      expect(workload.batches).toEqual([
        { atSeconds: 0, target: 'acme/resnet101/v1', batchId: 'run-7', images: 9 },
      ]);
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
      const workload = parseTrace(text, 'arrivals.csv', known);
      expect(workload.batches.map((b) => b.atSeconds)).toEqual([0, 65, 140, 900, 960, 1500]);
    });
  });
});
