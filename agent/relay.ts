/**
 * The data path of both routes, both directions: `pump` hands each chunk a socket reads to the
 * connection, which scans it and writes it on at once; reading pauses while the destination is
 * full and resumes on `drain`, and nothing is held or copied. `writeOn` gives a chunk's memory back
 * as soon as it has been written out, when the chunk is the whole of its own ArrayBuffer (Node
 * allocates each socket read afresh): without that, each request's megabytes would wait, already
 * sent, for the next garbage collection, and the agent's memory and GC work would grow with the
 * traffic instead of staying flat.
 */
import type { Readable, Writable } from 'node:stream';

/** Below this, a buffer may be a slice of Node's shared allocation pool: never released. */
const OWN_BUFFER_MIN = 8192;

type Detachable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

/** Frees a written chunk's memory now, if the chunk is the whole of its own ArrayBuffer. */
function release(chunk: Buffer): void {
  const buffer = chunk.buffer as Detachable;
  if (chunk.byteOffset === 0 && chunk.byteLength >= OWN_BUFFER_MIN && chunk.byteLength === buffer.byteLength)
    buffer.transfer?.(0);
}

/**
 * Writes a chunk nothing else refers to (a socket read) on to `to`, freeing its memory once it is
 * written; answers whether `to` takes more.
 */
export function writeOn(to: Writable, chunk: Buffer): boolean {
  return to.write(chunk, () => release(chunk));
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
