/**
 * What a workload is: batches of images, each announced by the pipeline and then arriving in the
 * target's queue. Generators (workloads.ts) and the trace parser (trace.ts) both produce this.
 */
export interface Batch {
  /** A registered target, `product/model/version`. */
  readonly target: string;
  readonly batchId: string;
  /** When the images land in the target's queue, seconds from the start of the run. */
  readonly atSeconds: number;
  readonly images: number;
}

export interface Workload {
  readonly name: string;
  readonly description: string;
  /** Sorted by atSeconds. */
  readonly batches: readonly Batch[];
  /** The span the batches are drawn over; every policy is charged at least this long plus a tail. */
  readonly durationSeconds: number;
}
