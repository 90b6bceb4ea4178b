// `npm test`: runs every tap test built into dist/test, prints tap's own report, and closes with
// the tally `N passed, N failed` (counting the named tests inside each file).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...findTests(full));
    else if (name.endsWith('.test.js')) found.push(full);
  }
  return found;
}

const filter = process.argv.slice(2);
let files = findTests('dist/test').sort();
if (filter.length) files = files.filter((f) => filter.some((w) => f.includes(w)));
// With no file, tap would fall back to every test it can find, this script included.
if (files.length === 0) {
  console.error(`no built test matches ${filter.join(' ') || 'dist/test'}: run npm run build first`);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}

// The real-apps suite's third-party apps (npm packages cached outside the project, Debian's
// Django): installed once here, before tap runs its files in parallel.
if (files.some((f) => f.includes('/real-'))) {
  const r = spawnSync(process.execPath, ['dist/test/real-apps/install.js'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) console.error('installing the real apps failed; their tests will say why');
}

const child = spawn(
  process.execPath,
  [
    'node_modules/tap/dist/esm/run.mjs',
    '--disable-coverage',
    '--reporter=tap',
    '--timeout=600',
    `--jobs=${process.env.TANDEM_TEST_JOBS ?? 2}`,
    ...files,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);

let passed = 0;
let failed = 0;
let buffer = '';
// Depth-1 results: the named tests inside a file (files themselves are depth 0).
const result = /^ {4}(not )?ok \d+ - (.*?)(\s+#\s*(SKIP|TODO).*)?$/;
const fileResult = /^(not )?ok \d+ - (\S+)/;
let namedInFile = 0;
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    const m = result.exec(line);
    if (m) {
      namedInFile++;
      if (m[1] || m[4]) failed++;
      else passed++;
      continue;
    }
    const f = fileResult.exec(line);
    if (f) {
      // A file that failed before running any named test still counts as one failure.
      if (f[1] && namedInFile === 0) failed++;
      namedInFile = 0;
    }
  }
});
child.on('close', (code) => {
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(code ?? 1);
});
