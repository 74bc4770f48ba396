import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MessageScanner, type MessageEvents } from '../../../agent/http1-framing.js';

function recorder(): { events: MessageEvents; seen: unknown[][] } {
  const seen: unknown[][] = [];
  return {
    seen,
    events: {
      head: (head) =>
        seen.push(['head', head.method ?? head.status, head.fields['x-prescaler-batch'] ?? null]),
      end: () => seen.push(['end']),
      lost: (reason) => seen.push(['lost', reason]),
    },
  };
}

/** Scans `bytes` cut at `cuts`, returning what was reported. */
function scan(scanner: MessageScanner, bytes: Buffer, cuts: number[]): void {
  const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  for (let i = 0; i + 1 < points.length; i++) scanner.scan(bytes.subarray(points[i], points[i + 1]));
}

const requests = Buffer.from(
  '\r\nPOST /v1/models/resnet101:predict HTTP/1.1\r\nHost: m\r\nX-Prescaler-Batch: b1\r\nContent-Length: 12\r\n\r\n' +
    '{"a":"\r\n\r\n"}' +
    'POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nx-prescaler-batch: b2\r\n\r\n' +
    '5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nx-trailer: t\r\n\r\n' +
    'GET /q HTTP/1.1\r\nHost: m\r\n\r\n',
  'latin1',
);
const requestsSeen = [
  ['head', 'POST', 'b1'],
  ['end'],
  ['head', 'POST', 'b2'],
  ['end'],
  ['head', 'GET', null],
  ['end'],
];

// Answers to POST, POST, HEAD, GET: an interim 100 first, chunked with trailers, a HEAD answer
// with a length and no body, a 204, then a body read until the connection closes.
const responses = Buffer.from(
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd' +
    'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nnot\r\n0\r\nx-t: 1\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n' +
    'HTTP/1.1 204 No Content\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end',
  'latin1',
);
const methods = ['POST', 'POST', 'HEAD', 'GET', 'GET'];
const responsesSeen = [
  ['head', 100, null],
  ['head', 200, null],
  ['end'],
  ['head', 404, null],
  ['end'],
  ['head', 200, null],
  ['end'],
  ['head', 204, null],
  ['end'],
  ['head', 200, null],
  ['end'],
];

const cuts = (length: number) => fc.uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: 16 });

describe('MessageScanner', () => {
  it('finds every request and the end of its body however the bytes are cut', () => {
    fc.assert(
      fc.property(cuts(requests.length), (at) => {
        const { events, seen } = recorder();
        scan(new MessageScanner('request', events), requests, at);
        expect(seen).toEqual(requestsSeen);
      }),
    );
  });

  it('finds every response, by the method it answers, however the bytes are cut', () => {
    fc.assert(
      fc.property(cuts(responses.length), (at) => {
        const { events, seen } = recorder();
        let answered = 0;
        const scanner = new MessageScanner(
          'response',
          { ...events, end: () => (answered++, events.end()) },
          () => methods[answered],
        );
        scan(scanner, responses, at);
        scanner.closed();
        expect(seen).toEqual(responsesSeen);
      }),
    );
  });

  it('reports where a head begins in the chunk it starts in', () => {
    const starts: number[] = [];
    const scanner = new MessageScanner('request', {
      head: (head) => starts.push(head.startedAt),
      end: () => undefined,
      lost: () => undefined,
    });
    scanner.scan(Buffer.from('GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HT'));
    scanner.scan(Buffer.from('TP/1.1\r\n\r\n'));
    expect(starts).toEqual([0, 19, -1]);
    expect(scanner.betweenMessages).toBe(true);
  });

  it.each([
    ['a request line that is not HTTP/1.1', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['Content-Length "12a" is not a number', 'POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n'],
    ['a chunk size that is not hexadecimal', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a header line without a name', 'GET / HTTP/1.1\r\n: x\r\n\r\n'],
  ])('stops following, and says so, on %s', (reason, bytes) => {
    const { events, seen } = recorder();
    const scanner = new MessageScanner('request', events);
    scanner.scan(Buffer.from(bytes, 'latin1'));
    scanner.scan(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    // The lost line comes last: nothing after it is reported, the next request included.
    expect(seen.at(-1)).toEqual(['lost', expect.stringContaining(reason)]);
    expect(seen.filter(([kind]) => kind !== 'head')).toHaveLength(1);
  });
});
