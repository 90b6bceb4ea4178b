/**
 * Installs the third-party applications of the real-apps e2e suite, outside the project's own
 * dependencies: pinned npm packages into a cache folder named after a hash of the pins
 * (`~/.cache/tandem-real-apps/<hash>`, or under TANDEM_REAL_APPS_CACHE), reused while it exists,
 * and Debian's Django (the server-rendered app) through apt-get when it is missing.
 * Run as a script (`node dist/test/real-apps/install.js`) it installs and prints the folder.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The npm packages, exactly pinned. */
export const NPM_APPS: Readonly<Record<string, string>> = {
  'node-red': '4.1.2',
  'json-server': '0.17.4',
  'swagger-ui-dist': '5.32.4',
  todomvc: '0.1.1',
  quill: '2.0.3',
  typedoc: '0.28.20',
  typescript: '5.9.3',
};

/** Debian packages, with the command that tells whether each is there. */
export const DEBIAN_APPS: ReadonlyArray<{ pkg: string; check: string[] }> = [
  { pkg: 'python3-django', check: ['/usr/bin/python3', '-c', 'import django'] },
];

/**
 * The documentation site: typedoc's output for a third-party package's declarations (quill-delta,
 * installed with quill), copied out of node_modules first: typedoc leaves what it finds there out
 * of the search index as external.
 */
const DOCS_ARGS = ['--skipErrorChecking', '--entryPoints', 'api/Delta.d.ts', '--name', 'quill-delta', '--out', 'docs'];

export const PYTHON = '/usr/bin/python3';

function cacheRoot(): string {
  return process.env.TANDEM_REAL_APPS_CACHE ?? join(homedir(), '.cache', 'tandem-real-apps');
}

/** The cache folder for the current pins (it may not exist yet). */
export function realAppsDir(): string {
  const hash = createHash('sha256').update(JSON.stringify({ NPM_APPS, DOCS_ARGS })).digest('hex').slice(0, 16);
  return join(cacheRoot(), hash);
}

function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.error?.message ?? ''}\n${r.stdout}\n${r.stderr}`);
}

function ensureDebian(): void {
  const missing = DEBIAN_APPS.filter((d) => spawnSync(d.check[0], d.check.slice(1), { stdio: 'ignore' }).status !== 0).map((d) => d.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0)
    throw new Error(`the real-apps suite needs the Debian packages ${missing.join(' ')} (apt-get install them as root)`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

function ensureNpm(): string {
  const dir = realAppsDir();
  if (existsSync(join(dir, '.complete'))) return dir;
  mkdirSync(cacheRoot(), { recursive: true });
  // Installed beside the final folder and renamed into place, so parallel test files never see
  // half an install; the loser of a race throws its copy away.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ private: true, dependencies: NPM_APPS }, null, 2));
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], tmp);
    const api = join(tmp, 'node_modules/quill-delta/dist');
    mkdirSync(join(tmp, 'api'));
    for (const f of readdirSync(api).filter((n) => n.endsWith('.d.ts'))) copyFileSync(join(api, f), join(tmp, 'api', f));
    run(process.execPath, [join(tmp, 'node_modules/typedoc/bin/typedoc'), ...DOCS_ARGS], tmp);
    writeFileSync(join(tmp, '.complete'), new Date().toISOString());
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!existsSync(join(dir, '.complete'))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Installs what is missing and returns the folder holding node_modules/ and docs/. */
export function ensureRealApps(): string {
  ensureDebian();
  return ensureNpm();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(ensureRealApps());
}
