/**
 * `npm run soak -- --seed N --duration SECONDS`: the soak with the ranking on, then the same seed
 * with the ranking off, and the figures of both. Exits 1 when a target figure of the ranked run
 * is missed.
 */
import { parseArgs } from 'node:util';
import { runSoak, SOAK_TARGETS as TARGETS, type SoakFigures } from './soak.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, duration: { type: 'string', default: '600' } },
});
const seed = Number(values.seed);
const durationSeconds = Number(values.duration);
if (!Number.isInteger(seed) || !Number.isFinite(durationSeconds) || durationSeconds <= 0) {
  console.error('usage: npm run soak -- --seed N --duration SECONDS (an integer seed, a positive duration)');
  process.exit(2);
}

function print(title: string, figures: SoakFigures, marks: boolean): void {
  console.log(title);
  for (const [key, value] of Object.entries(figures)) {
    const target = TARGETS.includes(key as keyof SoakFigures);
    const mark =
      marks && target
        ? value === 0
          ? '  (target 0: ok)'
          : '  (target 0: MISS)'
        : target
          ? '  (target 0)'
          : '';
    console.log(`  ${key.padEnd(20)} ${value}${mark}`);
  }
}

const ranked = await runSoak({ seed, durationSeconds, rank: true });
print(`soak seed ${seed}, ${durationSeconds} s of traffic then a drain, ranking on:`, ranked, true);
const unranked = await runSoak({ seed, durationSeconds, rank: false });
print('the same soak with the ranking off (the ReplicaSet picks the pods):', unranked, false);
process.exit(TARGETS.some((key) => ranked[key] !== 0) ? 1 : 0);
