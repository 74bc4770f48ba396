#!/usr/bin/env node
/**
 * The `prescaler` command (package.json `bin`): publish an "images incoming" event, show the
 * status of the targets, or report worker progress. See `prescaler --help` and cli/args.ts.
 */
import { run } from './commands.js';

process.exitCode = await run(process.argv.slice(2), process.env);
