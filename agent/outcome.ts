/**
 * The counting rule of the agent, pure. A request names its batch with `x-prescaler-batch`
 * (an HTTP header, or gRPC metadata, which travels as an HTTP/2 header) and how many images it
 * carries with `x-prescaler-images` (default 1). When it ends:
 *
 *   HTTP 2xx, gRPC OK                               -> n images done
 *   HTTP 4xx except 408 and 429,                    -> n images failed (sending it again
 *   gRPC INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,   cannot succeed)
 *   PERMISSION_DENIED, FAILED_PRECONDITION,
 *   OUT_OF_RANGE, UNIMPLEMENTED, UNAUTHENTICATED
 *   anything else (5xx, 408, 429, retryable gRPC    -> nothing: the caller will retry
 *   codes, a reset or a client that went away)
 */
export const BATCH_HEADER = 'x-prescaler-batch';
export const IMAGES_HEADER = 'x-prescaler-images';
export const MAX_IMAGES_PER_REQUEST = 100_000;

export type Outcome = 'done' | 'failed' | 'retryable';

/** gRPC codes that a retry cannot fix (grpc/doc/statuscodes.md). */
const GRPC_PERMANENT = new Set([3, 5, 6, 7, 9, 11, 12, 16]);

export function httpOutcome(status: number): Outcome {
  if (status >= 200 && status < 300) return 'done';
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'failed';
  return 'retryable';
}

export function grpcOutcome(code: number): Outcome {
  if (code === 0) return 'done';
  return GRPC_PERMANENT.has(code) ? 'failed' : 'retryable';
}

export interface BatchTag {
  readonly batchId: string;
  readonly images: number;
}

/** What the headers say; `error` names a header that is present but unusable (then nothing counts). */
export type Tagging = { tag?: BatchTag; error?: string };

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function readTag(headers: Readonly<Record<string, string | string[] | undefined>>): Tagging {
  const batchId = single(headers[BATCH_HEADER])?.trim();
  if (batchId === undefined || batchId === '') return {};
  if (batchId.length > 256)
    return { error: `${BATCH_HEADER} is ${batchId.length} characters long: at most 256 are allowed` };
  const raw = single(headers[IMAGES_HEADER])?.trim();
  if (raw === undefined || raw === '') return { tag: { batchId, images: 1 } };
  const images = Number(raw);
  if (!/^\d+$/.test(raw) || images < 1 || images > MAX_IMAGES_PER_REQUEST)
    return {
      error: `${IMAGES_HEADER} = ${JSON.stringify(raw)}: must be an integer from 1 to ${MAX_IMAGES_PER_REQUEST}`,
    };
  return { tag: { batchId, images } };
}
