/**
 * The scheduler: binds each new pod to one of the simulated nodes, spreading a Deployment's pods
 * first (fewest of its own pods on the node, like the PodTopologySpread / SelectorSpread scoring of
 * pkg/scheduler/framework/plugins), then the cluster's (fewest pods overall), then by node order.
 */
import type { PodEntry } from '../storage/store.js';

export class Scheduler {
  readonly nodes: readonly string[];
  private readonly podsOnNode = new Map<string, number>();

  constructor(count = 3) {
    this.nodes = Array.from(
      { length: Math.max(1, count) },
      (_, i) => `gke-emulator-default-pool-${String(i).padStart(2, '0')}`,
    );
    for (const node of this.nodes) this.podsOnNode.set(node, 0);
  }

  /**
   * Picks the node for `entry` and counts the pod on it. Its Deployment's active pods per node are
   * counted by the store on every pod write (storage/pod-tally.ts).
   */
  place(entry: PodEntry): string {
    const mine: ReadonlyMap<string, number> = entry.owner?.podsOnNode ?? new Map<string, number>();
    let best = this.nodes[0] as string;
    for (const node of this.nodes) {
      const a = [mine.get(node) ?? 0, this.podsOnNode.get(node) ?? 0];
      const b = [mine.get(best) ?? 0, this.podsOnNode.get(best) ?? 0];
      if ((a[0] as number) < (b[0] as number) || (a[0] === b[0] && (a[1] as number) < (b[1] as number)))
        best = node;
    }
    this.podsOnNode.set(best, (this.podsOnNode.get(best) ?? 0) + 1);
    return best;
  }

  /** A pod left `node`. */
  release(node: string): void {
    this.podsOnNode.set(node, Math.max(0, (this.podsOnNode.get(node) ?? 0) - 1));
  }
}
