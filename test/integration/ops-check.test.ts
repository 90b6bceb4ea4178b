import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkCommand, CHECK_OK, CHECK_UNREACHABLE, CHECK_INVALID } from '../../gateway/ops/check.js';
import { startRedis, freePort } from '../helpers/redis.js';
import { TEST_SECRET } from '../helpers/gateway.js';
import { startTinyOrigin } from './ops-origin.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-check-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const operators = join(dir, 'operators.jsonl');
writeFileSync(operators, '');

async function check(env: Record<string, string>, argv: string[] = []): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await checkCommand({ TANDEM_SECRET: TEST_SECRET, TANDEM_OPERATORS: operators, ...env }, argv, {
    write: (s: string) => (out += s),
  });
  return { code, out };
}

t.test('check: a reachable origin and Redis exit 0 and say all is well', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const redis = await startRedis();
  t.teardown(() => redis.close());
  const { code, out } = await check({ TANDEM_ORIGIN: origin.url, TANDEM_REDIS_URL: redis.url });
  t.equal(code, CHECK_OK, out);
  t.match(out, new RegExp(`ok\\s+origin ${origin.url.replace(/[.]/g, '\\.')}: answered 200`));
  t.match(out, /ok\s+store: redis redis:\/\/127\.0\.0\.1:\d+\/? answered/);
  t.match(out, /all is well/);
  t.notMatch(out, /FAIL/);
});

t.test('check: a dead origin exits 1 and names the origin', async (t) => {
  const port = await freePort();
  const { code, out } = await check({ TANDEM_ORIGIN: `http://127.0.0.1:${port}` });
  t.equal(code, CHECK_UNREACHABLE, out);
  t.match(out, new RegExp(`FAIL\\s+origin http://127\\.0\\.0\\.1:${port}: unreachable: ECONNREFUSED`));
  t.match(out, /something is unreachable/);
});

t.test('check: a further origin that is down is reported too', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const port = await freePort();
  const { code, out } = await check({ TANDEM_ORIGIN: origin.url, TANDEM_ALLOW: `http://127.0.0.1:${port}` });
  t.equal(code, CHECK_UNREACHABLE, out);
  t.match(out, /ok\s+origin http:\/\/127\.0\.0\.1:\d+: answered 200/);
  t.match(out, new RegExp(`FAIL\\s+origin http://127\\.0\\.0\\.1:${port}: unreachable`));
});

t.test('check: a dead Redis exits 1 and names the store without its password', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const port = await freePort();
  const { code, out } = await check({ TANDEM_ORIGIN: origin.url, TANDEM_REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}` });
  t.equal(code, CHECK_UNREACHABLE, out);
  t.match(out, new RegExp(`FAIL\\s+store: redis redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? unreachable`));
  t.notMatch(out, /hunter2-secret/);
});

t.test('check: an invalid variable exits 2 and names it', async (t) => {
  const { code, out } = await check({ TANDEM_PORT: 'eighty', TANDEM_OPERATOR_CONTROL: 'sometimes' });
  t.equal(code, CHECK_INVALID, out);
  t.match(out, /FAIL\s+config: TANDEM_PORT: must be a port number/);
  t.match(out, /FAIL\s+config: TANDEM_OPERATOR_CONTROL: must be always, ask or never/);
  t.match(out, /configuration is invalid/);
});

t.test('check: flags are checked like variables', async (t) => {
  const { code, out } = await check({}, ['--origin', 'ftp://example.com']);
  t.equal(code, CHECK_INVALID, out);
  t.match(out, /TANDEM_ORIGIN: must be http or https/);
});

t.test('check: TLS files that cannot be read exit 2 and say which', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const { code, out } = await check({
    TANDEM_ORIGIN: origin.url,
    TANDEM_TLS_CERT: join(dir, 'missing.crt'),
    TANDEM_TLS_KEY: join(dir, 'missing.key'),
  });
  t.equal(code, CHECK_INVALID, out);
  t.match(out, /FAIL\s+TANDEM_TLS_CERT \/ TANDEM_TLS_KEY: cannot be used: .*missing\.crt/);
});

t.test('check: a missing TANDEM_SECRET with a shared store is a warning, not a failure', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const redis = await startRedis();
  t.teardown(() => redis.close());
  let out = '';
  const code = await checkCommand({ TANDEM_ORIGIN: origin.url, TANDEM_REDIS_URL: redis.url, TANDEM_OPERATORS: operators }, [], {
    write: (s: string) => (out += s),
  });
  t.equal(code, CHECK_OK, out);
  t.match(out, /warn\s+TANDEM_SECRET: not set: .*replicas sharing the store cannot verify/);
});

t.test('check: `tandem check` runs through the bin with flags and sets the exit code', async (t) => {
  const cli = fileURLToPath(new URL('../../gateway/cli.js', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [cli, 'check', ...args], {
        env: { PATH: process.env.PATH, TANDEM_SECRET: TEST_SECRET, TANDEM_OPERATORS: operators },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('close', (code) => resolve({ code, out }));
    });
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const good = await run(['--origin', origin.url]);
  t.equal(good.code, 0, good.out);
  t.match(good.out, /all is well/);
  const port = await freePort();
  const dead = await run(['--origin', `http://127.0.0.1:${port}`]);
  t.equal(dead.code, 1, dead.out);
  t.match(dead.out, new RegExp(`origin http://127\\.0\\.0\\.1:${port}: unreachable`));
  const bad = await run(['--port', 'eighty']);
  t.equal(bad.code, 2, bad.out);
  t.match(bad.out, /TANDEM_PORT: must be a port number/);
});
