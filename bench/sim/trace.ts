/**
 * Recorded or hand-written workloads. Two formats, one batch a line (see bench/README.md):
 *   CSV, with this header first:   atSeconds,target,batchId,images
 *                                  12.5,acme/resnet101/v1,run-1,400
 *   JSON lines:                    {"atSeconds":12.5,"target":"acme/resnet101/v1","batchId":"run-1","images":400}
 * Blank lines and lines starting with `#` are skipped. `.csv` files are CSV, `.jsonl` and
 * `.ndjson` files JSON lines; otherwise a first line starting with `{` means JSON lines.
 * Every error names the source, the line and the field.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { TARGET_NAME } from '../../shared/config/registry.js';
import type { Batch, Workload } from './workload.js';

export const TRACE_FIELDS = ['atSeconds', 'target', 'batchId', 'images'] as const;
type Field = (typeof TRACE_FIELDS)[number];
const BATCH_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export class TraceError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly field: string | undefined,
    problem: string,
  ) {
    super(`${source} line ${line}: ${field === undefined ? '' : `field "${field}" `}${problem}`);
    this.name = 'TraceError';
  }
}

export interface TraceOptions {
  /** Targets the trace may name; others are an error. */
  readonly knownTargets?: readonly string[];
}

function field(
  source: string,
  line: number,
  name: Field,
  raw: unknown,
  known?: readonly string[],
): string | number {
  const fail = (problem: string): never => {
    throw new TraceError(source, line, name, `${problem}, got ${JSON.stringify(raw)}`);
  };
  switch (name) {
    case 'atSeconds': {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        return fail('must be a number of seconds, 0 or more');
      }
      return value;
    }
    case 'images': {
      const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        return fail('must be a whole number of images, 1 or more');
      }
      return value;
    }
    case 'target': {
      if (typeof raw !== 'string' || !TARGET_NAME.test(raw))
        return fail('must be a target name "product/model/version"');
      if (known && !known.includes(raw)) return fail(`must be a registered target (${known.join(', ')})`);
      return raw;
    }
    case 'batchId':
      if (typeof raw !== 'string' || !BATCH_ID.test(raw)) {
        return fail('must be 1-128 letters, digits, ".", "_", ":" or "-"');
      }
      return raw;
  }
}

function toBatch(
  source: string,
  line: number,
  raw: Record<Field, unknown>,
  known?: readonly string[],
): Batch {
  return {
    atSeconds: field(source, line, 'atSeconds', raw.atSeconds, known) as number,
    target: field(source, line, 'target', raw.target, known) as string,
    batchId: field(source, line, 'batchId', raw.batchId, known) as string,
    images: field(source, line, 'images', raw.images, known) as number,
  };
}

function parseJsonLine(source: string, line: number, text: string): Record<Field, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TraceError(source, line, undefined, `is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TraceError(
      source,
      line,
      undefined,
      'must be a JSON object {"atSeconds", "target", "batchId", "images"}',
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(TRACE_FIELDS as readonly string[]).includes(key)) {
      throw new TraceError(source, line, key, `is not a trace field (${TRACE_FIELDS.join(', ')})`);
    }
  }
  for (const name of TRACE_FIELDS) {
    if (!(name in record)) throw new TraceError(source, line, name, 'is missing');
  }
  return record;
}

function parseCsvLine(source: string, line: number, text: string): Record<Field, unknown> {
  const cells = text.split(',').map((cell) => cell.trim());
  if (cells.length !== TRACE_FIELDS.length) {
    const missing = TRACE_FIELDS[cells.length];
    throw new TraceError(
      source,
      line,
      missing,
      cells.length < TRACE_FIELDS.length
        ? `is missing (a line has ${TRACE_FIELDS.length} fields: ${TRACE_FIELDS.join(',')})`
        : `has ${cells.length} fields, expected ${TRACE_FIELDS.length}: ${TRACE_FIELDS.join(',')}`,
    );
  }
  return Object.fromEntries(TRACE_FIELDS.map((name, i) => [name, cells[i]])) as Record<Field, unknown>;
}

/** Parses trace text; `source` names it in errors (a file name). */
export function parseTrace(text: string, source: string, options: TraceOptions = {}): Workload {
  const lines = text.split(/\r?\n/);
  const content = lines
    .map((body, i) => ({ body: body.trim(), number: i + 1 }))
    .filter(({ body }) => body !== '' && !body.startsWith('#'));
  const ext = extname(source).toLowerCase();
  const json =
    ext === '.jsonl' || ext === '.ndjson' || (ext !== '.csv' && content[0]?.body.startsWith('{') === true);

  let rows = content;
  if (!json) {
    const header = content[0];
    const expected = TRACE_FIELDS.join(',');
    if (header === undefined)
      throw new TraceError(source, 1, undefined, `is empty: a CSV trace starts with the header ${expected}`);
    const got = header.body.split(',').map((cell) => cell.trim());
    const wrong = TRACE_FIELDS.findIndex((name, i) => got[i] !== name);
    if (wrong >= 0 || got.length !== TRACE_FIELDS.length) {
      throw new TraceError(
        source,
        header.number,
        TRACE_FIELDS[wrong] ?? got[TRACE_FIELDS.length],
        `does not match the header: expected ${expected}, got ${JSON.stringify(header.body)}`,
      );
    }
    rows = content.slice(1);
  }

  const seen = new Map<string, number>();
  const batches = rows.map(({ body, number }) => {
    const raw = json ? parseJsonLine(source, number, body) : parseCsvLine(source, number, body);
    const batch = toBatch(source, number, raw, options.knownTargets);
    const key = `${batch.target}\u0000${batch.batchId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new TraceError(
        source,
        number,
        'batchId',
        `repeats batch "${batch.batchId}" of line ${first} for the same target`,
      );
    }
    seen.set(key, number);
    return batch;
  });
  batches.sort((a, b) => a.atSeconds - b.atSeconds);
  return {
    name: `trace:${basename(source)}`,
    description: `${batches.length} batches from ${basename(source)}`,
    batches,
    durationSeconds: Math.ceil(Math.max(0, ...batches.map((b) => b.atSeconds))),
  };
}

export function loadTrace(path: string, options: TraceOptions = {}): Workload {
  return parseTrace(readFileSync(path, 'utf8'), path, options);
}
