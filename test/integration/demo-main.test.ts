import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/redis.js';

const MAIN = fileURLToPath(new URL('../../demo/main.js', import.meta.url));

t.test('demo main: runs the demo bank alone on DEMO_PORT and DEMO_HOST, and stops on SIGTERM', async (t) => {
  const port = await freePort();
  const proc = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, DEMO_PORT: String(port), DEMO_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  t.teardown(() => void (proc.exitCode === null && proc.kill('SIGKILL')));
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));

  const until = Date.now() + 15_000;
  let res: Response | null = null;
  while (!res && Date.now() < until) {
    res = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
    if (!res) await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(res, `the demo answered (${out})`);
  t.equal(res!.status, 200);
  t.match(await res!.text(), /<title>Welcome · Demo Bank<\/title>/);
  t.match(out, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));

  proc.kill('SIGTERM');
  t.equal(await exited, 0);
});

t.test('demo main: a DEMO_PORT that is not a port exits with 2 and says why', async (t) => {
  const proc = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, DEMO_PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  t.equal(code, 2);
  t.match(err, /DEMO_PORT must be a port number/);
});
