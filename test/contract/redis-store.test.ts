import t from 'tap';
import { Redis } from 'ioredis';
import { createStore } from '../../store/index.js';
import { RedisConnection } from '../../store/redis-connection.js';
import { RedisCommandLog, logKeyList } from '../../store/redis-command-log.js';
import type { LogEvent } from '../../store/command-log.js';
import { startRedis } from '../helpers/redis.js';
import { runCommandLogSuite } from './command-log.suite.js';
import { runDirectorySuite } from './directory.suite.js';
import { uniqueId, until } from './poll.js';
import { redisDirectoryHarness, redisLogHarness } from './redis-harness.js';

const server = await startRedis({ aof: true });
t.teardown(() => server.close());
const target = () => ({ url: server.url });

runCommandLogSuite(t, { name: 'redis', create: redisLogHarness(target) });
runDirectorySuite(t, { name: 'redis', create: redisDirectoryHarness(target) });

t.test('store (redis): an append Redis cannot carry out fails alone; the others of its batch are logged and answered', async (t) => {
  const store = await createStore({ redisUrl: server.url });
  const raw = new Redis(server.url);
  t.teardown(async () => {
    raw.disconnect();
    await store.close();
  });
  const [a, b] = [uniqueId('fine'), uniqueId('broken')];
  await store.log.create(a);
  await store.log.create(b);
  // A key of the wrong type where the compacted state should be: Redis refuses the HSET.
  await raw.set(`tandem:{${b}}:state`, 'not a hash');
  const scroll = (x: number) => ({ k: 'top/scroll', op: 'scroll' as const, a: 'others' as const, d: { x, y: 0 }, by: 'p1' });
  // Made in one turn, so they travel in one batch.
  const results = await Promise.allSettled([
    store.log.append(a, scroll(1)),
    store.log.append(b, scroll(1)),
    store.log.append(a, scroll(2)),
  ]);
  t.same(
    results.map((r) => (r.status === 'fulfilled' ? r.value.cmd.seq : 'rejected')),
    [1, 'rejected', 2],
    'the appends to the sound session are answered with their seqs, the broken one is refused',
  );
  t.match((results[1] as PromiseRejectedResult).reason, { message: /WRONGTYPE/ }, "with Redis's reason");
  t.same(
    (await store.log.entries(a)).map((c) => c.seq),
    [1, 2],
    'the sound session holds both',
  );
  t.equal((await store.log.append(a, scroll(3))).cmd.seq, 3, 'and later appends go on');
});

t.test(
  'store (redis): while a call is stuck, the appends of other sessions leave without it and every session keeps its order',
  async (t) => {
    const store = await createStore({ redisUrl: server.url });
    const admin = new Redis(server.url);
    t.teardown(async () => {
      admin.disconnect();
      await store.close();
    });
    const ids = Array.from({ length: 30 }, () => uniqueId('stall'));
    for (const id of ids) await store.log.create(id);
    const scroll = (x: number) => ({ k: 'top/scroll', op: 'scroll' as const, a: 'others' as const, d: { x, y: 0 }, by: 'p1' });
    const turn = () => new Promise((r) => setImmediate(r));
    // Redis holds every write for a while: the first call waits, and what arrives meanwhile
    // (more than one call's worth over the turns) must neither be lost nor overtake it.
    await admin.call('CONFIG', 'RESETSTAT');
    await admin.call('CLIENT', 'PAUSE', '300', 'WRITE');
    const calls: Promise<{ cmd: { seq: number } }>[] = [store.log.append(ids[0], scroll(0))];
    await turn();
    for (let round = 1; round <= 4; round++) {
      for (const id of ids) calls.push(store.log.append(id, scroll(round)));
      await turn();
    }
    await Promise.all(calls);
    const stats = String(await admin.call('INFO', 'commandstats'));
    const scriptCalls = [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    // The first call, one that left while it was stuck (64+ appends of the others waiting), and
    // the rest once it was answered; waiting for every answer would have made two.
    t.ok(scriptCalls >= 3, `${scriptCalls} calls: the others did not wait for the stuck one`);
    for (const [i, id] of ids.entries()) {
      const expected = i === 0 ? [0, 1, 2, 3, 4] : [1, 2, 3, 4];
      const logged = (await store.log.entries(id)).map((c) => [c.seq, (c.d as { x: number }).x]);
      if (
        !t.same(
          logged,
          expected.map((x, n) => [n + 1, x]),
          `session ${i}: every append, in order of receipt`,
        )
      )
        break;
    }
  },
);

t.test('store (redis): a long session holds at most about 2 × maxLen client ids', async (t) => {
  const conn = new RedisConnection({ url: server.url });
  const log = new RedisCommandLog(conn, { maxLen: 50 });
  const raw = new Redis(server.url);
  t.teardown(async () => {
    raw.disconnect();
    await log.close();
    await conn.close();
  });
  const id = uniqueId('window');
  await log.create(id);
  const [, , , sent, sentOld] = logKeyList(id);
  let most = 0;
  for (let round = 0; round < 10; round++) {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        log.append(id, { k: 'top/scroll', op: 'scroll', a: 'others', d: { x: i, y: 0 }, by: 'p1', c: `r${round}-${i}` }),
      ),
    );
    most = Math.max(most, (await raw.hlen(sent)) + (await raw.hlen(sentOld)));
  }
  t.equal((await log.meta(id))?.head, 300);
  t.ok(most <= 100, `client ids held: at most ${most} after every round of 300 appends`);
  t.ok(most >= 50, 'and at least maxLen: the recent ones are all there');
});

t.test('store (redis): createStore with a URL is the Redis store', async (t) => {
  const store = await createStore({ redisUrl: server.url });
  t.teardown(() => store.close());
  t.equal(store.kind, 'redis');
  await store.ping();
  const id = uniqueId('kind');
  await store.log.create(id);
  const s = await store.directory.createSession(id, { status: 'waiting', createdAt: Date.now(), people: [] });
  t.equal((await store.directory.sessionByCode(s.code))?.id, id);
});

t.test('store (redis): after Redis restarts with its AOF the log is intact and numbering continues', async (t) => {
  const a = await createStore({ redisUrl: server.url });
  const b = await createStore({ redisUrl: server.url });
  let down = false;
  t.teardown(async () => {
    if (down) await server.start(); // an assertion failed while it was down: later tests need it
    await Promise.all([a.close(), b.close()]);
  });
  const id = uniqueId('aof');
  const meta = await a.log.create(id);
  for (let i = 1; i <= 3; i++) await a.log.append(id, { k: 'top/pointer/p1', op: 'pointer', a: 'others', d: { x: i, y: 0 }, by: 'p1' });
  const events: LogEvent[] = [];
  await b.log.subscribe(id, 3, (e) => events.push(e));

  await server.stop();
  down = true;
  const stopped = Date.now();
  await t.rejects(a.ping(), 'ping rejects while Redis is down');
  await t.rejects(a.log.append(id, { k: 'top', op: 'nav', a: 'others', d: { url: '/' }, by: 'p1' }), 'appends reject instead of hanging');
  await t.rejects(b.directory.getSession(id), 'directory reads reject too');
  t.ok(Date.now() - stopped < 10_000, 'and they reject promptly');

  await server.start();
  down = false;
  const restarted = Date.now();
  await until(
    'ping after restart',
    () =>
      a.ping().then(
        () => true,
        () => false,
      ),
    15_000,
  );
  const after = (await a.log.meta(id))!;
  t.equal(after.epoch, meta.epoch, 'same epoch: nothing was lost');
  t.equal(after.head, 3);
  const { cmd } = await a.log.append(id, { k: 'top', op: 'nav', a: 'others', d: { url: '/after' }, by: 'p1' });
  t.equal(cmd.seq, 4, 'numbering continues');
  t.same(
    (await b.log.entries(id)).map((c) => c.seq),
    [1, 2, 3, 4],
  );
  await until('the old subscriber hears the new command', () => events.some((e) => e.type === 'command' && e.cmd.seq === 4), 15_000);
  t.same(
    events.map((e) => (e.type === 'command' ? e.cmd.seq : e.type)),
    [4],
    'no reset, no duplicate, no gap',
  );
  await b.ping();
  t.comment(`down ${restarted - stopped} ms, back ${Date.now() - restarted} ms after restart`);
});

t.test('store (redis): a subscriber whose connection is killed catches up with what was published meanwhile', async (t) => {
  const a = await createStore({ redisUrl: server.url });
  const b = await createStore({ redisUrl: server.url });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const admin = new Redis(server.url);
  t.teardown(() => admin.disconnect());
  const id = uniqueId('kill');
  await a.log.create(id);
  const seqs: number[] = [];
  await b.log.subscribe(id, 0, (e) => seqs.push(e.type === 'command' ? e.cmd.seq : -1));
  await a.log.append(id, { k: 'top', op: 'nav', a: 'all', d: { url: '/1' }, by: 'p1' });
  await until('seq 1', () => seqs.length === 1);
  await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
  for (let i = 2; i <= 4; i++) await a.log.append(id, { k: 'top', op: 'nav', a: 'all', d: { url: `/${i}` }, by: 'p1' });
  // Sooner than the 5 s watchdog: the resync after reconnecting is what fills this.
  await until('seq 4', () => seqs.includes(4), 3000);
  t.same(seqs, [1, 2, 3, 4], 'in order, each once');
});
