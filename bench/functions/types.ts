/** One figure a benchmark prints: what was measured, its value, and the target it must meet. */
export interface BenchResult {
  readonly suite: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: string;
  readonly pass?: boolean;
}
