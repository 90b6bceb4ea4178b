/** ESLint and Prettier are part of `npm test`: code that does not pass them does not land. */

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [`${root}node_modules/${bin}`, ...args], { cwd: root, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

t.test('lint: eslint finds no problem in the tree', async (t) => {
  const r = run('eslint/bin/eslint.js', ['.']);
  t.equal(r.status, 0, r.output || 'eslint is clean');
});

t.test('lint: every file is formatted as prettier writes it', async (t) => {
  const r = run('prettier/bin/prettier.cjs', ['--check', '.', '--log-level', 'warn']);
  t.equal(r.status, 0, r.output || 'prettier is clean');
});
