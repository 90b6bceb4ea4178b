/**
 * `npm run bench [name…]`: runs the benchmarks one after another, each in its own process so
 * none shares a heap or an event loop with another. Each prints its own figures and ratios.
 *   npm run bench                 every benchmark
 *   npm run bench -- hub sync     only those
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ALL = ['rewrite-html', 'proxy', 'hub', 'sync', 'calls'];
const asked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const unknown = asked.filter((a) => !ALL.includes(a));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const name of asked.length ? asked : ALL) {
  console.log(`\n=== bench/${name} ===`);
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const r = spawnSync(process.execPath, [file, ...flags], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${name} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
