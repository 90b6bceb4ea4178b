import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/redis.js';
import { Operators } from '../../gateway/sessions/operators.js';
import { startTinyOrigin } from './ops-origin.js';
import { connectHub } from './ops-hub.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-shutdown-hub-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('shutdown: SIGTERM with a hub session sending commands loses no acknowledged command', async (t) => {
  const operators = join(dir, 'operators.jsonl');
  await new Operators(operators).add('olga', 'olga-pass-1234');
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const redis = await startRedis({ aof: true });
  t.teardown(() => redis.close());
  const env = { TANDEM_ORIGIN: origin.url, TANDEM_REDIS_URL: redis.url, TANDEM_OPERATORS: operators };

  const first = await spawnGateway(env);
  t.teardown(() => first.stop('SIGKILL'));
  const created = await fetch(`${first.url}/__tandem/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const session = (await created.json()) as { id: string; token: string };
  const hub = await connectHub(first.url, session.token);
  t.teardown(() => hub.close());

  // Commands flow until the socket closes; each one the hub sends back with a seq is acknowledged.
  let sent = 0;
  let open = true;
  void hub.closed.then(() => (open = false));
  const sender = (async () => {
    while (open) {
      sent++;
      hub.send({ k: `top/form/0/f${sent}`, op: 'input', a: 'all', d: { value: `v${sent}` }, c: `c${sent}` });
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const acked = () => hub.messages.filter((m) => typeof m.seq === 'number').map((m) => (m.d as { value: string }).value);
  await hub.until('some commands acknowledged', () => acked().length >= 30);

  const signalled = Date.now();
  const exited = new Promise<number | null>((resolve) => first.proc.once('exit', (code) => resolve(code)));
  first.proc.kill('SIGTERM');
  const closeCode = await hub.closed;
  await sender;
  const code = await exited;
  t.equal(code, 0, `the gateway exits 0: ${first.output()}`);
  t.ok(Date.now() - signalled < 10_000, 'within 10 s');
  t.ok(
    hub.messages.some((m) => m.type === 'reconnect'),
    'the client is told to reconnect elsewhere',
  );
  t.equal(closeCode, 1012, 'and the socket closes with 1012 (service restart)');

  // Another replica on the same Redis: the log holds every acknowledged command, once, in order.
  const second = await spawnGateway(env);
  t.teardown(() => second.stop('SIGKILL'));
  const login = await fetch(`${second.url}/__tandem/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'olga', password: 'olga-pass-1234' }),
  });
  const { token } = (await login.json()) as { token: string };
  const log = await fetch(`${second.url}/__tandem/api/sessions/${session.id}/log`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(log.status, 200);
  const entries = (await log.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { seq: number; op: string; d: { value?: string } });
  const logged = entries.filter((e) => e.op === 'input').map((e) => e.d.value);
  const ack = acked();
  t.ok(ack.length >= 30, `${ack.length} commands were acknowledged, ${sent} sent`);
  const missing = ack.filter((v) => !logged.includes(v));
  t.same(missing, [], 'every acknowledged command is in the log');
  t.equal(new Set(logged).size, logged.length, 'none twice');
  t.ok(
    entries.every((e, i) => i === 0 || e.seq > entries[i - 1].seq),
    'seq rises strictly',
  );
  t.equal(await second.stop('SIGTERM'), 0);
});
