import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  CLIENT_PREFACE,
  ErrorCode,
  FrameScanner,
  FrameType,
  frame,
  goaway,
  rstStream,
  type FrameEvents,
} from '../../../agent/h2-frames.js';

/** A header block of literal fields without indexing and without Huffman coding (RFC 7541 6.2.2). */
function block(fields: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from([0x00, name.length]),
      Buffer.from(name),
      Buffer.from([value.length]),
      Buffer.from(value),
    );
  }
  return Buffer.concat(parts);
}

function recorder(): { events: FrameEvents; seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    events: {
      headers: (id, fields, endStream) => seen.push(['headers', id, fields, endStream]),
      endStream: (id) => seen.push(['end', id]),
      reset: (id, code) => seen.push(['reset', id, code]),
      lost: (reason) => seen.push(['lost', reason]),
    },
  };
}

const request = block({ ':method': 'POST', ':path': '/p', 'x-prescaler-batch': 'b1' });
// HEADERS with PADDED + PRIORITY: pad length 3, 5 bytes of priority, the block's first part, padding.
const padded = Buffer.concat([Buffer.from([3]), Buffer.alloc(5), request.subarray(0, 10), Buffer.alloc(3)]);
const frames = [
  frame(0x4, 0, 0, Buffer.alloc(6)), // SETTINGS
  // The request's header block, split over a CONTINUATION.
  frame(FrameType.HEADERS, 0x8 | 0x20, 1, padded),
  frame(FrameType.CONTINUATION, 0x4, 1, request.subarray(10)),
  frame(FrameType.DATA, 0, 1, Buffer.alloc(300, 1)),
  frame(FrameType.DATA, 0x1, 1, Buffer.alloc(40, 2)),
  frame(FrameType.HEADERS, 0x4 | 0x1, 3, block({ ':method': 'GET', ':path': '/q' })),
  frame(0x6, 0, 0, Buffer.alloc(8)), // PING
  rstStream(3, ErrorCode.CANCEL),
  frame(FrameType.DATA, 0x1, 5, Buffer.alloc(0)),
  goaway(5, ErrorCode.NO_ERROR),
];
// Frame boundaries as offsets in the client's byte stream.
const stream = Buffer.concat([CLIENT_PREFACE, ...frames]);
const boundaries = new Set<number>();
for (let at = CLIENT_PREFACE.length, i = 0; i <= frames.length; i++) {
  boundaries.add(at);
  at += frames[i]?.length ?? 0;
}

const expected = [
  ['headers', 1, { ':method': 'POST', ':path': '/p', 'x-prescaler-batch': 'b1' }, false],
  ['end', 1],
  ['headers', 3, { ':method': 'GET', ':path': '/q' }, true],
  ['reset', 3, ErrorCode.CANCEL],
  ['end', 5],
];

describe('FrameScanner', () => {
  it('reports the same frames however the bytes are cut, and only frame ends as boundaries', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          const { events, seen } = recorder();
          const scanner = new FrameScanner(true, events);
          const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
          for (let i = 0; i + 1 < points.length; i++) {
            const [from, to] = [points[i] as number, points[i + 1] as number];
            const last = scanner.scan(stream.subarray(from, to));
            if (last >= 0) {
              expect(boundaries.has(from + last)).toBe(true);
              // No boundary lies between the one reported and the chunk's end.
              for (let at = from + last + 1; at <= to; at++) expect(boundaries.has(at)).toBe(false);
            } else for (let at = from; at <= to; at++) expect(boundaries.has(at)).toBe(false);
            expect(scanner.atBoundary).toBe(boundaries.has(to));
          }
          expect(seen).toEqual(expected);
        },
      ),
    );
  });

  it('stops following a connection that does not start with the client preface', () => {
    const { events, seen } = recorder();
    const scanner = new FrameScanner(true, events);
    expect(scanner.scan(Buffer.from('POST / HTTP/1.1\r\n\r\n'))).toBe(-1);
    expect(scanner.scan(frames[5] as Buffer)).toBe(-1);
    expect(seen).toEqual([['lost', 'the connection does not start with the HTTP/2 client preface']]);
  });

  it('stops following a direction whose header block does not decode', () => {
    const { events, seen } = recorder();
    const scanner = new FrameScanner(false, events);
    scanner.scan(frame(FrameType.HEADERS, 0x4, 1, Buffer.from([0xff, 0xff])));
    scanner.scan(frame(FrameType.DATA, 0x1, 1, Buffer.alloc(1)));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual(['lost', expect.stringContaining('a header block did not decode')]);
  });

  it('builds GOAWAY and RST_STREAM frames as RFC 9113 lays them out', () => {
    expect(goaway(7, ErrorCode.NO_ERROR).toString('hex')).toBe(
      '000008070000000000' + '00000007' + '00000000',
    );
    expect(rstStream(9, ErrorCode.REFUSED_STREAM).toString('hex')).toBe('000004030000000009' + '00000007');
  });
});
