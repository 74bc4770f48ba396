/** Runs one function benchmark by name and prints its figures: `tsx bench/functions/run-one.ts reconcile`. */
import { reconcileBench } from './reconcile.bench.js';

const suites = { reconcile: reconcileBench };
const name = process.argv[2] as keyof typeof suites;
const suite = suites[name];
if (!suite) throw new Error(`unknown suite ${process.argv[2]}; one of ${Object.keys(suites).join(', ')}`);
for (const result of await suite.run()) console.log(JSON.stringify(result));
