/**
 * Recorded or hand-written workloads. Three formats, one batch a line (see bench/README.md):
 *   CSV, with this header first:   atSeconds,target,batchId,images
 *                                  12.5,acme/resnet101/v1,run-1,400
 *   an arrival log, CSV with a header naming a `timestamp` column (ISO 8601, or epoch seconds)
 *   and an `images` column, in any order, optionally `target` and `batchId`, other columns
 *   ignored: times count from the earliest row, the target defaults to the registry's first,
 *   the batch id to `line-N`;
 *                                  timestamp,images
 *                                  2026-11-24T07:00:00Z,400
 *   JSON lines:                    {"atSeconds":12.5,"target":"acme/resnet101/v1","batchId":"run-1","images":400}
 * Blank lines and lines starting with `#` are skipped. `.csv` files are CSV (read by csv-parse),
 * `.jsonl` and `.ndjson` files JSON lines; otherwise a first line starting with `{` means JSON
 * lines. Every error names the source, the line and the field.
 */
import { parse as parseCsv } from 'csv-parse/sync';
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

function checkWidth(source: string, line: number, cells: readonly string[]): void {
  if (cells.length === TRACE_FIELDS.length) return;
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

interface Row {
  readonly line: number;
  readonly raw: Record<string, unknown>;
}

/** Rows of the JSON lines format. */
function jsonRows(text: string, source: string): Row[] {
  return text
    .split(/\r?\n/)
    .map((body, i) => ({ body: body.trim(), line: i + 1 }))
    .filter(({ body }) => body !== '' && !body.startsWith('#'))
    .map(({ body, line }) => ({ line, raw: parseJsonLine(source, line, body) }));
}

/** A timestamp of an arrival log, in ms: ISO 8601 (UTC unless it names a zone) or epoch seconds. */
function timestampMs(source: string, line: number, raw: string): number {
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
  const ms = /^\d+(\.\d+)?$/.test(raw)
    ? Number(raw) * 1000
    : iso.test(raw)
      ? Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}Z`)
      : NaN;
  if (!Number.isFinite(ms)) {
    throw new TraceError(
      source,
      line,
      'timestamp',
      `must be ISO 8601 (2026-11-24T07:00:00Z) or epoch seconds, got ${JSON.stringify(raw)}`,
    );
  }
  return ms;
}

/** Rows of the two CSV formats, read by csv-parse. */
function csvRows(text: string, source: string, known?: readonly string[]): Row[] {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    parsed = parseCsv(text, {
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: true,
    }) as unknown as typeof parsed;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    throw new TraceError(source, line, undefined, `is not valid CSV: ${(error as Error).message}`);
  }
  const expected = TRACE_FIELDS.join(',');
  const [header, ...records] = parsed;
  if (header === undefined)
    throw new TraceError(source, 1, undefined, `is empty: a CSV trace starts with the header ${expected}`);
  const names = header.record;
  if (names.includes('timestamp') && names.includes('images') && !names.includes('atSeconds')) {
    return arrivalRows(source, names, records, known);
  }
  const wrong = TRACE_FIELDS.findIndex((name, i) => names[i] !== name);
  if (wrong >= 0 || names.length !== TRACE_FIELDS.length) {
    throw new TraceError(
      source,
      header.info.lines,
      TRACE_FIELDS[wrong] ?? names[TRACE_FIELDS.length],
      `does not match the header: expected ${expected} (or an arrival log with timestamp and images columns), got ${JSON.stringify(names.join(','))}`,
    );
  }
  return records.map(({ record, info }) => {
    checkWidth(source, info.lines, record);
    return { line: info.lines, raw: Object.fromEntries(TRACE_FIELDS.map((name, i) => [name, record[i]])) };
  });
}

/** An arrival log: times from the earliest row, default target and batch ids. */
function arrivalRows(
  source: string,
  names: readonly string[],
  records: ReadonlyArray<{ record: string[]; info: { lines: number } }>,
  known?: readonly string[],
): Row[] {
  const column = (name: string) => names.indexOf(name);
  const target = known?.[0];
  if (column('target') < 0 && target === undefined) {
    throw new TraceError(
      source,
      1,
      'target',
      'is needed: the log has no target column and no target is known',
    );
  }
  const rows = records.map(({ record, info }) => {
    const cell = (name: string) => (column(name) < 0 ? undefined : (record[column(name)] ?? ''));
    return {
      line: info.lines,
      ms: timestampMs(source, info.lines, cell('timestamp') ?? ''),
      raw: {
        target: cell('target') ?? target,
        batchId: cell('batchId') ?? `line-${info.lines}`,
        images: cell('images'),
      },
    };
  });
  const start = Math.min(...rows.map((row) => row.ms));
  return rows.map(({ line, ms, raw }) => ({ line, raw: { atSeconds: (ms - start) / 1000, ...raw } }));
}

/** Parses trace text; `source` names it in errors (a file name). */
export function parseTrace(text: string, source: string, options: TraceOptions = {}): Workload {
  const first = text.split(/\r?\n/).find((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const ext = extname(source).toLowerCase();
  const json =
    ext === '.jsonl' || ext === '.ndjson' || (ext !== '.csv' && first?.trim().startsWith('{') === true);
  const rows = json ? jsonRows(text, source) : csvRows(text, source, options.knownTargets);

  const seen = new Map<string, number>();
  const batches = rows.map(({ line, raw }) => {
    const batch = toBatch(source, line, raw, options.knownTargets);
    const key = `${batch.target}\u0000${batch.batchId}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new TraceError(
        source,
        line,
        'batchId',
        `repeats batch "${batch.batchId}" of line ${earlier} for the same target`,
      );
    }
    seen.set(key, line);
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
