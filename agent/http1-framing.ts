/**
 * HTTP/1.1 message framing (RFC 9112), read in passing: a `MessageScanner` follows one direction
 * of a connection chunk by chunk, as the bytes are forwarded unchanged, and reports each message's
 * head (request line or status line, and header fields) and the end of its body, which it finds
 * by Content-Length, chunked transfer coding (with trailers) or, for a response without either,
 * the end of the connection. Body bytes are skipped, never copied; only heads are gathered.
 */

/** Header fields by lower-case name; a repeated field gives an array. */
export type Fields = Record<string, string | string[]>;

export interface MessageHead {
  /** Request: method and target. */
  readonly method?: string;
  readonly target?: string;
  /** Response: status code. */
  readonly status?: number;
  readonly fields: Fields;
  /** Offset in the chunk being scanned where this head began (-1: in an earlier chunk). */
  readonly startedAt: number;
}

export interface MessageEvents {
  head(head: MessageHead): void;
  /** The message's body has ended (at once for a message without one). */
  end(): void;
  /** The bytes are not HTTP/1.1 as expected: nothing more is reported. */
  lost(reason: string): void;
}

/** Longest head taken (node:http's default bound is 16 KiB; 64 KiB leaves room). */
export const MAX_HEAD = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const END_OF_HEAD = Buffer.from('\r\n\r\n');

type Body =
  | { kind: 'none' }
  | { kind: 'length'; left: number }
  | { kind: 'chunked' }
  | { kind: 'close' }
  | { kind: 'tunnel' };

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'tunnel';

export function fieldValue(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseHead(text: string): { line: string; fields: Fields } | string {
  const lines = text.split('\r\n');
  const line = lines.shift() ?? '';
  const fields: Fields = {};
  for (const raw of lines) {
    const colon = raw.indexOf(':');
    if (colon <= 0) return `a header line without a name: ${JSON.stringify(raw.slice(0, 40))}`;
    const name = raw.slice(0, colon).trim().toLowerCase();
    const value = raw.slice(colon + 1).trim();
    const had = fields[name];
    fields[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return { line, fields };
}

/**
 * The body that follows a head (RFC 9112 section 6.3). `requestMethod` is the method of the
 * request a response answers: a HEAD request's response has no body, a CONNECT's 2xx opens a tunnel.
 */
export function bodyOf(head: MessageHead, requestMethod?: string): Body | string {
  const status = head.status;
  if (status !== undefined) {
    if (status === 101 || (requestMethod === 'CONNECT' && status >= 200 && status < 300))
      return { kind: 'tunnel' };
    if (status < 200 || status === 204 || status === 304 || requestMethod === 'HEAD') return { kind: 'none' };
  }
  const coding = fieldValue(head.fields, 'transfer-encoding');
  if (coding !== undefined) {
    if (/(^|,)\s*chunked\s*$/i.test(coding)) return { kind: 'chunked' };
    return status !== undefined
      ? { kind: 'close' }
      : `a request with Transfer-Encoding "${coding}" and no chunked coding`;
  }
  const length = fieldValue(head.fields, 'content-length');
  if (length !== undefined) {
    const n = Number(length);
    if (!/^\d+$/.test(length)) return `Content-Length ${JSON.stringify(length)} is not a number`;
    return n === 0 ? { kind: 'none' } : { kind: 'length', left: n };
  }
  // A response without either is read until the connection closes; a request has no body.
  return status !== undefined ? { kind: 'close' } : { kind: 'none' };
}

export class MessageScanner {
  private state: State = 'head';
  /** The head or chunked-coding line gathered so far. */
  private gathered = Buffer.alloc(0);
  private left = 0;
  private blind = false;

  /**
   * `kind`: which side's messages. For responses, `requestMethod()` names the method of the
   * request the next response answers (their order is the requests' order, RFC 9112 section 9.3).
   */
  constructor(
    private readonly kind: 'request' | 'response',
    private readonly events: MessageEvents,
    private readonly requestMethod: () => string | undefined = () => undefined,
  ) {}

  /** True between messages (and not in a tunnel): nothing of a message has been seen yet. */
  get betweenMessages(): boolean {
    return this.state === 'head' && this.gathered.length === 0;
  }

  /** Reads a chunk that is about to be forwarded. */
  scan(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.blind) {
      switch (this.state) {
        case 'head':
          at = this.readHead(chunk, at);
          break;
        case 'length':
          at = this.skipBody(chunk, at);
          if (this.left === 0) this.endMessage();
          break;
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers':
          at = this.readLine(chunk, at);
          break;
        case 'chunk-data':
          at = this.skipBody(chunk, at);
          if (this.left === 0) this.state = 'chunk-end';
          break;
        case 'close':
        case 'tunnel':
          return;
      }
    }
  }

  /** The connection ended: a response read until close is complete. */
  closed(): void {
    if (this.state === 'close') this.endMessage();
  }

  private lose(reason: string): number {
    this.blind = true;
    this.events.lost(reason);
    return Number.MAX_SAFE_INTEGER;
  }

  /**
   * Gathers bytes up to `terminator` (which may straddle chunks); returns the offset past it in
   * `chunk` and the whole gathered text, or the chunk's end and undefined while it is still to come.
   */
  private gather(chunk: Buffer, at: number, terminator: Buffer): { end: number; text?: string } {
    const before = this.gathered.length;
    const joined = before > 0 ? Buffer.concat([this.gathered, chunk.subarray(at)]) : chunk.subarray(at);
    const found = joined.indexOf(terminator, Math.max(0, before - terminator.length + 1));
    if (found < 0) {
      this.gathered = Buffer.from(joined);
      return { end: chunk.length };
    }
    const stop = found + terminator.length;
    this.gathered = Buffer.alloc(0);
    return { end: at + stop - before, text: joined.toString('latin1', 0, found) };
  }

  /** Passes over body bytes, up to the `left` still owed; returns where it stopped. */
  private skipBody(chunk: Buffer, at: number): number {
    const n = Math.min(this.left, chunk.length - at);
    this.left -= n;
    return at + n;
  }

  private readHead(chunk: Buffer, at: number): number {
    const startedAt = this.gathered.length === 0 ? at : -1;
    const { end, text } = this.gather(chunk, at, END_OF_HEAD);
    if (this.gathered.length > MAX_HEAD) return this.lose(`a message head longer than ${MAX_HEAD} bytes`);
    if (text === undefined) return end;
    // Empty lines before a request line are ignored (RFC 9112 section 2.2).
    const trimmed = this.kind === 'request' ? text.replace(/^(\r\n)+/, '') : text;
    const parsed = parseHead(trimmed);
    if (typeof parsed === 'string') return this.lose(parsed);
    const head =
      this.kind === 'request' ? this.requestHead(parsed, startedAt) : this.responseHead(parsed, startedAt);
    if (typeof head === 'string') return this.lose(head);
    const body = bodyOf(head, this.kind === 'response' ? this.requestMethod() : undefined);
    if (typeof body === 'string') return this.lose(body);
    this.events.head(head);
    // An interim (1xx) response is followed by the final one (RFC 9110 section 15.2).
    if (head.status === undefined || head.status >= 200 || head.status === 101) this.begin(body);
    return end;
  }

  /** Both directions of an upgraded connection (101, or a CONNECT's 2xx) are no longer HTTP/1.1. */
  tunnel(): void {
    this.state = 'tunnel';
  }

  private requestHead(parsed: { line: string; fields: Fields }, startedAt: number): MessageHead | string {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.[01]$/.exec(parsed.line);
    if (!match) return `a request line that is not HTTP/1.1: ${JSON.stringify(parsed.line.slice(0, 60))}`;
    return { method: match[1], target: match[2], fields: parsed.fields, startedAt };
  }

  private responseHead(parsed: { line: string; fields: Fields }, startedAt: number): MessageHead | string {
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(parsed.line);
    if (!match) return `a status line that is not HTTP/1.1: ${JSON.stringify(parsed.line.slice(0, 60))}`;
    return { status: Number(match[1]), fields: parsed.fields, startedAt };
  }

  private begin(body: Body): void {
    switch (body.kind) {
      case 'none':
        this.endMessage();
        return;
      case 'length':
        this.left = body.left;
        this.state = 'length';
        return;
      case 'chunked':
        this.state = 'chunk-size';
        return;
      case 'close':
      case 'tunnel':
        this.state = body.kind;
        return;
    }
  }

  private endMessage(): void {
    this.state = 'head';
    this.events.end();
  }

  /** Reads one CRLF-ended line of the chunked coding: a chunk size, a chunk's CRLF, a trailer. */
  private readLine(chunk: Buffer, at: number): number {
    const { end, text } = this.gather(chunk, at, CRLF);
    if (this.gathered.length > MAX_HEAD) return this.lose('a chunked-coding line longer than 64 KiB');
    if (text !== undefined) this.onLine(text);
    return end;
  }

  private onLine(text: string): void {
    switch (this.state) {
      case 'chunk-size': {
        const size = /^([0-9a-fA-F]+)[ \t]*(;.*)?$/.exec(text);
        if (!size) {
          this.lose(`a chunk size that is not hexadecimal: ${JSON.stringify(text.slice(0, 40))}`);
          return;
        }
        this.left = parseInt(size[1] as string, 16);
        this.state = this.left === 0 ? 'trailers' : 'chunk-data';
        return;
      }
      case 'chunk-end':
        if (text !== '') this.lose('chunk data longer than its size');
        else this.state = 'chunk-size';
        return;
      case 'trailers':
        if (text === '') this.endMessage();
        return;
      default:
        return;
    }
  }
}
