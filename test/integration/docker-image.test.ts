/**
 * The Dockerfile's own build and run commands, replayed without a Docker engine (see
 * docker-replay.ts): the build stage runs `npm ci` and the build on a copy of the build
 * context, the runtime stage gets only what the Dockerfile copies into it, and the image's CMD
 * and HEALTHCHECK run from there. The one departure from a container: paths and ports that
 * would clash on a shared machine (the listening port, the operators file) are mapped.
 */

import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildContext, parseDockerfile, replay, type ReplayedStage } from './docker-replay.js';
import { freePort } from '../helpers/redis.js';
import { TEST_SECRET } from '../helpers/gateway.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tandem-docker-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
t.setTimeout(290_000);

const children: ChildProcess[] = [];
t.teardown(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(stage: ReplayedStage, command: string[], env: Record<string, string>): { proc: ChildProcess; output: () => string } {
  const proc = spawn(command[0], command.slice(1), {
    cwd: stage.path('.'),
    env: { PATH: process.env.PATH, ...stage.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return { proc, output: () => out };
}

function exec(stage: ReplayedStage, command: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const { proc, output } = start(stage, command, env);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: output() });
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const title = (html: string) => /<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? null;

t.test('docker image: the Dockerfile builds, and its CMD serves an origin and turns healthy', async (t) => {
  const stages = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  t.ok(stages.length >= 2, 'multi-stage');
  t.ok(
    stages.every((s) => s.image === 'node:22-slim'),
    'every stage is node:22-slim',
  );
  const buildStage = stages[0].instructions.map((i) => `${i.keyword} ${i.args}`);
  t.ok(
    buildStage.some((l) => /^RUN npm ci\b/.test(l)),
    'the build stage runs npm ci',
  );
  t.ok(
    buildStage.some((l) => /^RUN npm run build\b/.test(l)),
    'the build stage runs npm run build',
  );

  const context = join(work, 'context');
  mkdirSync(context);
  const files = buildContext(REPO, context);
  t.ok(files.includes('package-lock.json'));
  t.notOk(
    files.some((f) => f.startsWith('node_modules/') || f.startsWith('dist/')),
    'the context leaves out node_modules and dist',
  );

  const log: string[] = [];
  const built = await replay(stages, {
    context,
    into: join(work, 'stages'),
    // The machine's npm cache, preferred over the network, keeps the install bounded.
    runEnv: { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', npm_config_loglevel: 'warn' },
    runTimeoutMs: 150_000,
    log: (l) => log.push(l),
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- replay log ---\n${log.join('\n')}`);
  });
  const image = built[built.length - 1];

  await t.test('the runtime stage holds production dependencies only, and runs as a non-root user', async (t) => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies))
      t.ok(existsSync(image.path(`node_modules/${dep}/package.json`)), `${dep} is installed`);
    for (const dep of Object.keys(pkg.devDependencies)) t.notOk(existsSync(image.path(`node_modules/${dep}`)), `${dep} (dev) is not`);
    t.ok(existsSync(image.path('dist/gateway/main.js')));
    t.notOk(existsSync(image.path('dist/test')), 'tests are not shipped');
    t.notOk(existsSync(image.path('test')), 'sources are not shipped');
    t.notOk(['root', '0', '0:0'].includes(image.user), `USER ${image.user}`);
    t.same(image.cmd, ['node', 'dist/gateway/main.js']);
    t.ok(image.exposed.includes(image.env.TANDEM_PORT), `EXPOSE ${image.env.TANDEM_PORT}`);
    t.notOk(
      Object.keys(image.env).some((k) => /SECRET|PASSWORD|TOKEN/.test(k)),
      'no secret is baked into the image',
    );
  });

  // docker-compose.yml runs the demo origin and the operator one-shot from this same image.
  const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[] }>;
  };
  const demoCommand = Object.values(compose.services).find((s) => s.command?.includes('dist/demo/main.js'))!.command!;
  const operatorCommand = Object.values(compose.services)
    .find((s) => s.command?.join(' ').includes('operator add'))!
    .command!.map((w) => w.replace(/\$\$/g, '$'));

  const demoPort = await freePort();
  const demo = start(image, demoCommand, { DEMO_PORT: String(demoPort), DEMO_HOST: '127.0.0.1' });
  const originUrl = `http://127.0.0.1:${demoPort}`;
  const originPage = await until('the demo origin', async () => {
    const r = await fetch(`${originUrl}/`);
    return r.ok ? r.text() : null;
  }).catch((err: Error) => {
    throw new Error(`${err.message}: ${demo.output()}`);
  });

  // The operators file lives where TANDEM_OPERATORS points, inside the runtime stage.
  const operators = image.path(image.env.TANDEM_OPERATORS);
  const added = await exec(image, operatorCommand, {
    TANDEM_OPERATORS: operators,
    TANDEM_DEMO_OPERATOR: 'demo',
    TANDEM_DEMO_PASSWORD: 'demo-pass-1',
  });
  t.equal(added.code, 0, `the compose operator one-shot succeeds: ${added.out}`);

  const port = await freePort();
  const env = { TANDEM_ORIGIN: originUrl, TANDEM_PORT: String(port), TANDEM_SECRET: TEST_SECRET, TANDEM_OPERATORS: operators };
  const gateway = start(image, image.cmd!, env);
  const healthcheck = image.healthcheck!;
  t.ok(healthcheck, 'the image has a HEALTHCHECK');
  const healthy = await until('the HEALTHCHECK to pass', async () =>
    (await exec(image, healthcheck.command, env)).code === 0 ? true : null,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${gateway.output()}`);
  });
  t.ok(healthy, 'the HEALTHCHECK command passes once the gateway serves');

  const base = `http://127.0.0.1:${port}`;
  const page = await fetch(`${base}/`, { headers: { 'sec-fetch-dest': 'iframe' } });
  t.equal(page.status, 200, 'the origin is proxied');
  t.equal(title(await page.text()), title(originPage), "the page is the demo origin's");

  // The browser code the shell and console load ships in the image too.
  const shell = await fetch(`${base}/`, { headers: { 'sec-fetch-dest': 'document' } });
  const assets = [...(await shell.text()).matchAll(/\/__tandem\/assets\/[a-z0-9-]+\.(?:js|css)(?:\?v=[\w-]+)?/g)].map((m) => m[0]);
  t.ok(assets.length >= 2, `the shell names its assets: ${assets.join(' ')}`);
  for (const a of assets) {
    const r = await fetch(`${base}${a}`);
    t.equal(r.status, 200, `${a} is served`);
    await r.arrayBuffer();
  }

  const login = await fetch(`${base}/__tandem/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'demo', password: 'demo-pass-1' }),
  });
  t.equal(login.status, 200, 'the operator written by the one-shot can log in');

  const code = await new Promise<number | null>((resolve) => {
    gateway.proc.once('exit', (c) => resolve(c));
    gateway.proc.kill('SIGTERM');
  });
  t.equal(code, 0, 'SIGTERM stops it cleanly');
  const lines = gateway.output().trim().split('\n').filter(Boolean);
  t.ok(lines.length > 0);
  for (const line of lines) t.doesNotThrow(() => JSON.parse(line), `a JSON log line: ${line.slice(0, 200)}`);
  t.notMatch(gateway.output(), TEST_SECRET, 'the secret is never logged');
  demo.proc.kill('SIGTERM');
});
