import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Operators } from '../../gateway/sessions/operators.js';
import { startTestGateway } from '../helpers/gateway.js';
import { call } from './api-helpers.js';

const CLI = fileURLToPath(new URL('../../gateway/cli.js', import.meta.url));

function cli(args: string[], stdin: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(stdin);
  });
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('cli: operator add reads the password from stdin and the gateway accepts that login', async (t) => {
  const file = join(tempDir(t), 'operators.jsonl');
  const r = await cli(['operator', 'add', 'alice'], 'wonderland\n', { TANDEM_OPERATORS: file });
  t.equal(r.code, 0, r.stderr);
  const record = JSON.parse(readFileSync(file, 'utf8').trim()) as { name: string; hash: string };
  t.equal(record.name, 'alice');
  t.match(record.hash, /^scrypt\$\d+\$/);
  t.equal(await new Operators(file).verify('alice', 'wonderland'), true, 'the trailing newline is not part of the password');

  const gw = await startTestGateway({ TANDEM_ORIGIN: 'http://127.0.0.1:9', TANDEM_OPERATORS: file });
  t.teardown(() => gw.close());
  t.equal((await call(gw.url, 'POST', '/__tandem/api/login', { body: { name: 'alice', password: 'wonderland' } })).status, 200);

  const again = await cli(['operator', 'add', 'alice', '--operators', file], 'looking-glass', {});
  t.equal(again.code, 0, again.stderr);
  t.equal(
    (await call(gw.url, 'POST', '/__tandem/api/login', { body: { name: 'alice', password: 'looking-glass' } })).status,
    200,
    'a replaced password works without a restart',
  );
  t.equal(
    (await call(gw.url, 'POST', '/__tandem/api/login', { body: { name: 'alice', password: 'wonderland' } })).status,
    401,
    'and the old one no longer does',
  );
});

t.test('cli: bad input exits 2 with one clear line', async (t) => {
  const file = join(tempDir(t), 'operators.jsonl');
  const cases: [string[], string, RegExp][] = [
    [['operator', 'add', 'bad name'], 'pw-long-enough', /not a valid name/],
    [['operator', 'add'], 'pw-long-enough', /usage: tandem operator add NAME/],
    [['operator', 'add', 'alice'], '', /password has at least/],
    [['operator', 'add', 'alice'], 'abc\n', /password has at least/],
    [['frobnicate'], '', /unknown command/],
    [['operator', 'add', 'alice', '--no-such-flag', 'x'], 'pw-long-enough', /unknown flag/],
  ];
  for (const [args, stdin, message] of cases) {
    const r = await cli(args, stdin, { TANDEM_OPERATORS: file });
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, message, `${args.join(' ')}: says why`);
    t.equal(r.stderr.trim().split('\n').length, 1, 'in one line');
  }
  t.throws(() => readFileSync(file), 'no file was written');
});

t.test('cli: flags without a subcommand start the gateway', async (t) => {
  const r = await cli(['--port', 'not-a-port'], '', {});
  t.equal(r.code, 2);
  t.match(r.stderr, /TANDEM_PORT/);
});

t.test('demo mode: the operator demo / demo can log in, and nothing is written', async (t) => {
  const file = join(tempDir(t), 'operators.jsonl');
  const gw = await startTestGateway({ TANDEM_OPERATORS: file });
  t.teardown(() => gw.close());
  t.equal(gw.running.app.config.demo, true);
  // The demo's console is localhost, beside the customers' 127.0.0.1.
  const consoleBase = `http://localhost:${gw.port}`;
  const ok = await call(consoleBase, 'POST', '/__tandem/api/login', { body: { name: 'demo', password: 'demo' } });
  t.equal(ok.status, 200);
  t.equal((await call(consoleBase, 'POST', '/__tandem/api/login', { body: { name: 'demo', password: 'wrong' } })).status, 401);
  t.equal(
    (await call(gw.url, 'POST', '/__tandem/api/login', { body: { name: 'demo', password: 'demo' } })).status,
    403,
    "the customers' origin answers no login",
  );
  t.throws(() => readFileSync(file), 'the operators file is untouched');
});
