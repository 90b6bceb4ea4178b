/**
 * Two gateway processes sharing one real Redis: participants of the same session spread over
 * both replicas all see one order, with no gap and no duplicate.
 */

import t from 'tap';
import { Tokens, newId } from '../../gateway/identity/tokens.js';
import type { Command } from '../../protocol/messages.js';
import { createStore, type Store } from '../../store/index.js';
import { spawnGateway, TEST_SECRET, type GatewayProcess } from '../helpers/gateway.js';
import { HubClient } from '../helpers/hub-client.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const SESSIONS = 50;
const PER_SESSION = 3;
const COMMANDS = 200;

let redis: RedisServer;
let store: Store;
const replicas: GatewayProcess[] = [];
const tokens = new Tokens(TEST_SECRET);

interface Participant {
  id: string;
  session: string;
  client: HubClient;
}

t.before(async () => {
  // AOF as in production; fsync once a second, since durability is the faults test's subject.
  redis = await startRedis({ aof: true, args: ['--appendfsync', 'everysec'] });
  store = await createStore({ redisUrl: redis.url });
  const env = { TANDEM_REDIS_URL: redis.url, TANDEM_ORIGIN: 'http://127.0.0.1:9' };
  replicas.push(...(await Promise.all([spawnGateway(env), spawnGateway(env)])));
});

t.teardown(async () => {
  await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
  await store.close();
  await redis.close();
});

t.test('replicas: 50 sessions × 3 participants over two replicas, 200 commands each, all in one order, no gap, no duplicate', async (t) => {
  const joins: Promise<Participant>[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    const session = newId();
    await store.log.create(session);
    await store.directory.createSession(session, { status: 'active', createdAt: Date.now(), people: [] });
    for (let p = 0; p < PER_SESSION; p++) {
      const id = `s${s}p${p}`;
      const role = p === 0 ? 'customer' : 'operator';
      const replica = replicas[(s + p) % 2];
      joins.push(
        HubClient.connectReplayed(replica.url, tokens.hub(session, id, role, id, 120_000)).then((client) => ({ id, session, client })),
      );
    }
  }
  const people = await Promise.all(joins);
  t.teardown(() => people.forEach((p) => p.client.terminate()));
  await Promise.all(people.map((p) => p.client.next('replayed')));

  // Every third command goes to "all", the rest to "others".
  const audience = (i: number) => (i % 3 === 0 ? 'all' : 'others');
  for (const p of people) {
    for (let i = 0; i < COMMANDS; i++) {
      p.client.send({ k: `top/pointer/${p.id}`, op: 'pointer', d: { x: i, y: 0 }, a: audience(i), c: `${p.id}-${i}` });
    }
  }
  const total = PER_SESSION * COMMANDS;
  const ownOthers = COMMANDS - Math.ceil(COMMANDS / 3);
  const expected = total - ownOthers;
  await Promise.all(
    people.map((p) => p.client.until(() => p.client.commands().length >= expected, `${p.id} receiving ${expected} commands`, 90_000)),
  );

  let gaps = 0;
  let disorder = 0;
  let echoes = 0;
  let disagreements = 0;
  const bySession = new Map<string, Map<number, string>>();
  for (const p of people) {
    const got = p.client.commands();
    const seen = new Map<number, string>();
    for (const c of got) seen.set(c.seq, `${c.by}:${(c.d as { x: number }).x}`);
    if (!got.every((c, i) => i === 0 || c.seq > got[i - 1].seq) || seen.size !== got.length) disorder++;
    if (got.some((c) => c.by === p.id && audience((c.d as { x: number }).x) === 'others')) echoes++;
    // Whatever it did not get must be its own "others" commands: anything else is a gap.
    const mine = got.filter((c) => c.by === p.id).length;
    if (got.length !== expected || mine !== Math.ceil(COMMANDS / 3)) gaps++;
    let all = bySession.get(p.session);
    if (!all) bySession.set(p.session, (all = new Map()));
    for (const [seq, what] of seen) {
      const before = all.get(seq);
      if (before !== undefined && before !== what) disagreements++;
      all.set(seq, what);
    }
  }
  t.equal(disorder, 0, 'every participant got strictly increasing seqs, no duplicate');
  t.equal(echoes, 0, 'nobody got its own "others" commands back');
  t.equal(gaps, 0, 'every participant got every command of its session but its own "others" ones');
  t.equal(disagreements, 0, 'the same seq means the same command everywhere');
  for (const [session, all] of bySession) {
    const meta = await store.log.meta(session);
    if (meta!.head !== total || all.size !== total) {
      t.fail(`session ${session}: head ${meta!.head}, ${all.size} distinct seqs seen, want ${total}`);
    }
  }
  t.pass(`${SESSIONS * total} commands checked`);
  // Every join above went through the front door and a Redis read: none may have made uWS print
  // its "writes must be made from within a corked callback" warning, or anything else not JSON.
  for (const [i, r] of replicas.entries()) {
    const stray = r
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '' && !isJsonLine(line));
    t.same(stray, [], `replica ${i}: every output line is JSON, no uWS warning`);
  }
});

function isJsonLine(line: string): boolean {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
}

t.test('replicas: "others" commands skip only their sender, on whichever replica it is', async (t) => {
  const session = newId();
  await store.log.create(session);
  await store.directory.createSession(session, { status: 'active', createdAt: Date.now(), people: [] });
  const a = await HubClient.connect(replicas[0].url, tokens.hub(session, 'a', 'customer', 'A', 60_000));
  const b = await HubClient.connect(replicas[1].url, tokens.hub(session, 'b', 'operator', 'B', 60_000));
  const c = await HubClient.connect(replicas[1].url, tokens.hub(session, 'c', 'operator', 'C', 60_000));
  t.teardown(() => [a, b, c].forEach((x) => x.terminate()));
  await Promise.all([a, b, c].map((x) => x.next('replayed')));
  b.send({ k: 'top/pointer/b', op: 'pointer', d: { x: 1, y: 1 } });
  a.send({ k: 'top/pointer/a', op: 'pointer', d: { x: 2, y: 2 } });
  const hasBoth = (x: HubClient, ids: string[]) => ids.every((id) => x.commands().some((m: Command) => m.by === id));
  await a.until(() => hasBoth(a, ['b']), 'b at a');
  await b.until(() => hasBoth(b, ['a']), 'a at b');
  await c.until(() => hasBoth(c, ['a', 'b']), 'a and b at c');
  t.same(
    a.commands().map((m) => m.by),
    ['b'],
  );
  t.same(
    b.commands().map((m) => m.by),
    ['a'],
  );
  t.same(
    c
      .commands()
      .map((m) => m.by)
      .sort(),
    ['a', 'b'],
  );
});

t.test('replicas: a command re-sent after a reconnect, to the other replica, is stored once', async (t) => {
  const session = newId();
  await store.log.create(session);
  await store.directory.createSession(session, { status: 'active', createdAt: Date.now(), people: [] });
  const token = tokens.hub(session, 'a', 'customer', 'A', 60_000);
  const first = await HubClient.connect(replicas[0].url, token);
  t.teardown(() => first.terminate());
  await first.next('replayed');
  first.send({ k: 'top/pointer/a', op: 'pointer', d: { x: 1, y: 1 }, a: 'all', c: 'k7f3q20' });
  await first.until(() => first.commands().length === 1, 'the first copy logged');
  first.terminate();
  const again = await HubClient.connect(replicas[1].url, token);
  t.teardown(() => again.terminate());
  await again.next('replayed');
  // The resend, then a new command: once the new one is heard, the resend has been answered.
  again.send({ k: 'top/pointer/a', op: 'pointer', d: { x: 1, y: 1 }, a: 'all', c: 'k7f3q20' });
  again.send({ k: 'top/pointer/a', op: 'pointer', d: { x: 2, y: 2 }, a: 'all', c: 'k7f3q21' });
  await again.until(() => again.commands().some((m: Command) => (m.d as { x: number }).x === 2), 'the new command');
  t.same(
    (await store.log.entries(session)).map((m) => [m.seq, (m.d as { x: number }).x]),
    [
      [1, 1],
      [2, 2],
    ],
    'the resend was not logged again',
  );
});
