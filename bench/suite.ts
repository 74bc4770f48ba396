/**
 * What a benchmark suite is: a name and a `run` that returns figures. A figure may carry a
 * target ("<= 1.15x") and whether it met it; the runner prints them all in one table and writes
 * them to bench/results/results.json.
 */
export interface Result {
  readonly suite: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The bar the figure is held to, in words, e.g. "<= 1.15x". */
  readonly target?: string;
  readonly pass?: boolean;
  /** Why a target was missed, printed under the table. */
  readonly reason?: string;
}

export interface Suite {
  readonly name: string;
  run(): Promise<Result[]>;
}
