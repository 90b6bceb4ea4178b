/**
 * The third-party applications of the real-apps e2e suite, each started on free loopback ports
 * behind a counting server of ours (counting-server.ts). Installed by install.ts; the few files
 * of ours they need (a host page, an OpenAPI description, seed data) are in
 * test/fixtures/real-apps/.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/redis.js';
import { ensureRealApps, PYTHON } from './install.js';
import { startCountingServer, type CountingServer } from './counting-server.js';

/** Source fixtures (not copied by tsc): test/fixtures/real-apps, from dist/test/real-apps. */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/real-apps/', import.meta.url));

export interface RealApp {
  /** The counting server in front of the app: the gateway's TANDEM_ORIGIN. */
  readonly front: CountingServer;
  /** The app's own output, for failure reports. */
  output(): string;
  close(): Promise<void>;
}

interface Child {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function startChild(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  proc.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  return {
    proc,
    output: () => out,
    stop: () =>
      proc.exitCode !== null || proc.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
            proc.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            proc.kill('SIGTERM');
          }),
  };
}

/** Waits until `url` answers (any status below 500). */
async function waitForHttp(url: string, child: Child | null, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.proc.exitCode !== null) throw new Error(`app exited with ${child.proc.exitCode}: ${child.output()}`);
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not answer: ${child?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `tandem-real-${name}-`));
}

async function withChild(
  name: string,
  front: (upstream: string) => Promise<CountingServer>,
  start: (port: number, dir: string) => Child,
  probe = '/',
): Promise<RealApp> {
  const dir = tempDir(name);
  const port = await freePort();
  const child = start(port, dir);
  try {
    await waitForHttp(`http://127.0.0.1:${port}${probe}`, child);
  } catch (err) {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const f = await front(`http://127.0.0.1:${port}`);
  return {
    front: f,
    output: child.output,
    async close() {
      await f.close();
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function staticApp(front: CountingServer): RealApp {
  return { front, output: () => '', close: () => front.close() };
}

/** (a) TodoMVC's React example (React with in-browser JSX, state in localStorage). */
export async function startTodoMvc(): Promise<RealApp> {
  const cache = ensureRealApps();
  return staticApp(await startCountingServer({ mounts: [{ prefix: '/', dir: join(cache, 'node_modules/todomvc/examples/react') }] }));
}

/** A letter saved by the rich-text page's Save button. */
export interface SavedLetter {
  html: string;
}

/**
 * (b) Quill 2 (its dist, unchanged) on a host page of ours whose Save button POSTs the editor's
 * HTML with fetch; the letters saved are kept for the test.
 */
export async function startQuill(): Promise<RealApp & { letters: SavedLetter[] }> {
  const cache = ensureRealApps();
  const letters: SavedLetter[] = [];
  const front = await startCountingServer({
    mounts: [
      { prefix: '/quill/', dir: join(cache, 'node_modules/quill/dist') },
      { prefix: '/', dir: join(FIXTURES, 'quill') },
    ],
    route(req, res, body) {
      if (req.method !== 'POST' || req.url !== '/letters') return false;
      letters.push(JSON.parse(body.toString()) as SavedLetter);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: letters.length }));
      return true;
    },
  });
  return { ...staticApp(front), letters };
}

/** (c) Node-RED's flow editor, with a seeded flow (an inject node wired to a debug node). */
export async function startNodeRed(): Promise<RealApp> {
  const cache = ensureRealApps();
  return withChild(
    'node-red',
    (upstream) => startCountingServer({ upstream }),
    (port, dir) => {
      writeFileSync(join(dir, 'flows.json'), readFileSync(join(FIXTURES, 'node-red/flows.json')));
      writeFileSync(join(dir, 'settings.cjs'), readFileSync(join(FIXTURES, 'node-red/settings.cjs')));
      return startChild(process.execPath, [
        join(cache, 'node_modules/node-red/red.js'),
        '--port',
        String(port),
        '--userDir',
        dir,
        '--settings',
        join(dir, 'settings.cjs'),
      ]);
    },
  );
}

/**
 * (d) json-server's REST API with Swagger UI (a React SPA, swagger-ui-dist unchanged) at /docs/,
 * pointed at an OpenAPI description of the API.
 */
export async function startApiConsole(): Promise<RealApp> {
  const cache = ensureRealApps();
  return withChild(
    'json-server',
    (upstream) =>
      startCountingServer({
        upstream,
        files: {
          '/docs/swagger-initializer.js': {
            type: 'text/javascript',
            body: readFileSync(join(FIXTURES, 'api-console/swagger-initializer.js')),
          },
          '/docs/openapi.json': { type: 'application/json', body: readFileSync(join(FIXTURES, 'api-console/openapi.json')) },
        },
        mounts: [{ prefix: '/docs/', dir: join(cache, 'node_modules/swagger-ui-dist') }],
      }),
    (port, dir) => {
      writeFileSync(join(dir, 'db.json'), readFileSync(join(FIXTURES, 'api-console/db.json')));
      return startChild(
        process.execPath,
        [join(cache, 'node_modules/json-server/lib/cli/bin.js'), join(dir, 'db.json'), '--port', String(port), '--host', '127.0.0.1'],
        { cwd: dir },
      );
    },
    '/posts',
  );
}

export const DJANGO_ADMIN = { name: 'admin', password: 'admin-pass-1' };

/** (e) Django's admin (Debian's python3-django): server-rendered, a login form, CSRF tokens. */
export async function startDjangoAdmin(): Promise<RealApp> {
  ensureRealApps();
  return withChild(
    'django',
    (upstream) => startCountingServer({ upstream }),
    (port, dir) => {
      const py = (args: string[], env: Record<string, string> = {}): void => {
        const r = spawnSync(PYTHON, args, { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`python3 ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      };
      py(['-m', 'django', 'startproject', 'site1', '.']);
      py(['manage.py', 'migrate', '-v', '0']);
      py(['manage.py', 'createsuperuser', '--noinput', '--username', DJANGO_ADMIN.name, '--email', 'admin@example.test'], {
        DJANGO_SUPERUSER_PASSWORD: DJANGO_ADMIN.password,
      });
      return startChild(PYTHON, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${port}`], {
        cwd: dir,
        env: { PYTHONUNBUFFERED: '1' },
      });
    },
    '/admin/login/',
  );
}

/** (f) A typedoc site (quill-delta's declarations) with its script-driven search. */
export async function startDocsSite(): Promise<RealApp> {
  const cache = ensureRealApps();
  return staticApp(await startCountingServer({ mounts: [{ prefix: '/', dir: join(cache, 'docs') }] }));
}
