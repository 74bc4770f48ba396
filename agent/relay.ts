/**
 * Moves a body from one stream to the next under backpressure, the proxies' data path (both
 * routes, both directions): each chunk is written on as it arrives, reading pauses while the
 * destination is full and resumes on `drain`, and nothing is held or copied. With `release`, a
 * chunk's memory is given back as soon as it has been written out, when the chunk is the whole of
 * its own ArrayBuffer (node:http's parser hands each body chunk over in a fresh copy): without
 * that, each request's megabytes would wait, already sent, for the next garbage collection, and
 * the agent's memory and GC work would grow with the traffic instead of staying flat.
 */
import type { Readable, Writable } from 'node:stream';

/** Below this, a buffer may be a slice of Node's shared allocation pool: never released. */
const OWN_BUFFER_MIN = 8192;

type Detachable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

/** Frees a written chunk's memory now, if the chunk is the whole of its own ArrayBuffer. */
export function release(chunk: Buffer): void {
  const buffer = chunk.buffer as Detachable;
  if (chunk.byteOffset === 0 && chunk.byteLength >= OWN_BUFFER_MIN && chunk.byteLength === buffer.byteLength)
    buffer.transfer?.(0);
}

export interface RelayOptions {
  /** Free each chunk once written; only for sources whose chunks nothing else refers to. */
  readonly release?: boolean;
  /** Called once `from` has ended, just before `to` is ended (HTTP/1.1 trailers). */
  readonly beforeEnd?: () => void;
  /** End `to` when `from` ends (default true); false leaves the ending to the caller. */
  readonly end?: boolean;
}

/**
 * Hands each chunk of `from` to `forward`, which writes it on to `to` and answers whether `to`
 * takes more: while it does not, `from` is paused, until `to` drains.
 */
export function pump(from: Readable, to: Writable, forward: (chunk: Buffer) => boolean): void {
  let waiting = false;
  const resume = () => {
    waiting = false;
    from.resume();
  };
  from.on('data', (chunk: Buffer) => {
    if (forward(chunk) || waiting) return;
    waiting = true;
    from.pause();
    to.once('drain', resume);
  });
}

/**
 * Streams `from` into `to`. Errors are the caller's to handle on either stream (as with `pipe`):
 * a failure of `to` must not tear down `from`, whose side may still need an answer.
 */
export function relay(from: Readable, to: Writable, options: RelayOptions = {}): void {
  pump(from, to, (chunk) => to.write(chunk, options.release ? () => release(chunk) : undefined));
  from.once('end', () => {
    options.beforeEnd?.();
    if (options.end !== false) to.end();
  });
}
