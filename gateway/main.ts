#!/usr/bin/env node
/** Production entry: `node dist/gateway/main.js [--flags]`, configured by TANDEM_ variables. */

import { run } from './run.js';

run(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`tandem: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
