/**
 * The soak as a benchmark suite, bounded to a few minutes: 300 virtual seconds of random traffic
 * (seed 1) then a drain, with the ranking on (targets 0) and off (shown for comparison).
 */
import type { Result, Suite } from '../suite.js';
import { runSoak, SOAK_TARGETS, type SoakFigures } from '../soak/soak.js';

function results(suite: string, figures: SoakFigures, targets: boolean): Result[] {
  return (Object.entries(figures) as Array<[string, number]>).map(([metric, value]): Result => {
    const targeted = targets && SOAK_TARGETS.includes(metric as keyof SoakFigures);
    return {
      suite,
      metric,
      value,
      unit: metric === 'replicaSeconds' ? 'replica-s' : 'count',
      ...(targeted ? { target: '= 0', pass: value === 0 } : {}),
    };
  });
}

export const soakSuite: Suite = {
  name: 'soak',
  async run() {
    const options = { seed: 1, durationSeconds: 300 };
    return [
      ...results('soak (ranked)', await runSoak({ ...options, rank: true }), true),
      ...results('soak (ranking off)', await runSoak({ ...options, rank: false }), false),
    ];
  },
};
