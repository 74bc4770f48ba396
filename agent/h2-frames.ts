/**
 * HTTP/2 framing (RFC 9113 section 4), read in passing: a `FrameScanner` follows one direction
 * of a connection chunk by chunk, as the bytes are forwarded unchanged, and reports what the
 * agent counts by: complete header blocks (decoded, so the HPACK state follows the peer's),
 * streams ended by END_STREAM and streams reset. DATA payloads are skipped, never copied. It also
 * knows where frames begin, so that a frame of the agent's own (GOAWAY, RST_STREAM) can be put
 * between two forwarded ones. `frame` builds such a frame.
 */
import { HeaderBlockDecoder, type HeaderFields } from './hpack.js';

/** The connection preface a client sends before its first frame (section 3.4). */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  PUSH_PROMISE: 0x5,
  GOAWAY: 0x7,
  CONTINUATION: 0x9,
} as const;

const Flag = { END_STREAM: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** Error codes of RST_STREAM and GOAWAY (section 7). */
export const ErrorCode = { NO_ERROR: 0x0, REFUSED_STREAM: 0x7, CANCEL: 0x8 } as const;

const FRAME_HEADER = 9;

export interface FrameEvents {
  /** A stream's complete header block; `endStream` when the HEADERS frame ended the stream. */
  headers(streamId: number, fields: HeaderFields, endStream: boolean): void;
  /** A DATA frame ended the stream. */
  endStream(streamId: number): void;
  /** RST_STREAM. */
  reset(streamId: number, code: number): void;
  /** The bytes are not HTTP/2 as expected, or a header block did not decode: nothing more is reported. */
  lost(reason: string): void;
}

/** A frame of the agent's own: a 9-byte header and `payload`. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  payload.copy(out, FRAME_HEADER);
  return out;
}

export function rstStream(streamId: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code, 0);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function goaway(lastStreamId: number, code: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(code, 4);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/** Frame types whose payload the scanner reads; any other payload is skipped. */
const READ = new Set<number>([
  FrameType.HEADERS,
  FrameType.PUSH_PROMISE,
  FrameType.CONTINUATION,
  FrameType.RST_STREAM,
]);

interface Block {
  readonly streamId: number;
  readonly endStream: boolean;
  readonly fragments: Buffer[];
}

export class FrameScanner {
  private prefaceLeft: number;
  private readonly head = Buffer.alloc(FRAME_HEADER);
  private headFill = 0;
  /** The frame being read: its header fields and the payload bytes still to come. */
  private type = 0;
  private flags = 0;
  private streamId = 0;
  private left = 0;
  private payload: Buffer[] = [];
  private block: Block | undefined;
  private readonly hpack = new HeaderBlockDecoder();
  private blind = false;

  /** `client`: this direction starts with the client's connection preface. */
  constructor(
    client: boolean,
    private readonly events: FrameEvents,
  ) {
    this.prefaceLeft = client ? CLIENT_PREFACE.length : 0;
  }

  /** True between frames: a frame of the agent's own may be written now. */
  get atBoundary(): boolean {
    return this.prefaceLeft === 0 && this.headFill === 0 && this.left === 0 && this.payload.length === 0;
  }

  /**
   * Reads a chunk that is about to be forwarded. Returns the offset of the last frame boundary in
   * it (`chunk.length` if it ends on one; a frame reported while scanning ends at or before it),
   * or -1 if there is none, or if the scanner no longer follows the frames.
   */
  scan(chunk: Buffer): number {
    if (this.blind) return -1;
    let last = this.atBoundary ? 0 : -1;
    let at = 0;
    while (at < chunk.length && !this.blind) {
      if (this.prefaceLeft > 0) {
        const n = Math.min(this.prefaceLeft, chunk.length - at);
        const expected = CLIENT_PREFACE.subarray(CLIENT_PREFACE.length - this.prefaceLeft);
        if (!chunk.subarray(at, at + n).equals(expected.subarray(0, n)))
          return this.lose('the connection does not start with the HTTP/2 client preface');
        this.prefaceLeft -= n;
        at += n;
      } else if (this.left === 0 && this.payload.length === 0) {
        const n = Math.min(FRAME_HEADER - this.headFill, chunk.length - at);
        chunk.copy(this.head, this.headFill, at, at + n);
        this.headFill += n;
        at += n;
        if (this.headFill < FRAME_HEADER) break;
        this.headFill = 0;
        this.type = this.head[3] as number;
        this.flags = this.head[4] as number;
        this.streamId = this.head.readUInt32BE(5) & 0x7fffffff;
        this.left = this.head.readUIntBE(0, 3);
        if (this.left === 0) this.complete(Buffer.alloc(0));
      } else {
        const n = Math.min(this.left, chunk.length - at);
        if (READ.has(this.type)) this.payload.push(Buffer.from(chunk.subarray(at, at + n)));
        this.left -= n;
        at += n;
        if (this.left === 0) {
          const payload = this.payload.length === 1 ? this.payload[0] : Buffer.concat(this.payload);
          this.payload = [];
          this.complete(payload ?? Buffer.alloc(0));
        }
      }
      if (this.atBoundary) last = at;
    }
    return this.blind ? -1 : last;
  }

  private lose(reason: string): number {
    this.blind = true;
    this.events.lost(reason);
    return -1;
  }

  private complete(payload: Buffer): void {
    const { type, flags, streamId } = this;
    switch (type) {
      case FrameType.DATA:
        if (flags & Flag.END_STREAM) this.events.endStream(streamId);
        return;
      case FrameType.RST_STREAM:
        if (payload.length >= 4) this.events.reset(streamId, payload.readUInt32BE(0));
        return;
      case FrameType.HEADERS:
      case FrameType.PUSH_PROMISE: {
        const padded = flags & Flag.PADDED ? 1 : 0;
        const pad = padded ? (payload[0] ?? 0) : 0;
        const skip = padded + (type === FrameType.PUSH_PROMISE ? 4 : flags & Flag.PRIORITY ? 5 : 0);
        this.block = {
          // A promised stream's headers are decoded to keep the table, not reported.
          streamId: type === FrameType.HEADERS ? streamId : 0,
          endStream: (flags & Flag.END_STREAM) !== 0,
          fragments: [payload.subarray(skip, payload.length - pad)],
        };
        break;
      }
      case FrameType.CONTINUATION:
        if (!this.block) {
          this.lose('a CONTINUATION frame without a header block before it');
          return;
        }
        this.block.fragments.push(payload);
        break;
      default:
        return;
    }
    if (flags & Flag.END_HEADERS) this.endBlock();
  }

  private endBlock(): void {
    const block = this.block as Block;
    this.block = undefined;
    let fields: HeaderFields;
    try {
      fields = this.hpack.decode(Buffer.concat(block.fragments));
    } catch (error) {
      this.lose(`a header block did not decode: ${(error as Error).message}`);
      return;
    }
    if (block.streamId !== 0) this.events.headers(block.streamId, fields, block.endStream);
  }
}
