import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { Redis } from 'ioredis';
import { createStore } from '../../store/index.js';
import { logKeys } from '../../store/redis-command-log.js';
import { startRedis, startRedisCluster, type RedisServer } from '../helpers/redis.js';
import { runCommandLogSuite } from './command-log.suite.js';
import { runDirectorySuite } from './directory.suite.js';
import { uniqueId, until } from './poll.js';
import { redisDirectoryHarness, redisLogHarness } from './redis-harness.js';

const cluster = await startRedisCluster();
t.teardown(() => cluster.close());
const target = () => ({ cluster: cluster.seeds });

runCommandLogSuite(t, { name: 'redis-cluster', create: redisLogHarness(target) });
runDirectorySuite(t, { name: 'redis-cluster', create: redisDirectoryHarness(target) });

t.test('store (redis-cluster): a session channel is a sharded channel on the node that holds its slot', async (t) => {
  const store = await createStore({ redisCluster: cluster.seeds });
  t.teardown(() => store.close());
  t.equal(store.kind, 'redis-cluster');
  const nodes = cluster.seeds.map((s) => new Redis(s.port, s.host));
  t.teardown(() => nodes.forEach((n) => n.disconnect()));
  const ids = Array.from({ length: 6 }, () => uniqueId('shard'));
  for (const id of ids) {
    await store.log.create(id);
    await store.log.subscribe(id, 0, () => {});
  }
  for (const id of ids) {
    const { channel, meta } = logKeys(id);
    const slot = (await nodes[0].call('CLUSTER', 'KEYSLOT', meta)) as number;
    t.equal((await nodes[0].call('CLUSTER', 'KEYSLOT', channel)) as number, slot, "the channel shares the keys' slot");
    const listing = await Promise.all(nodes.map(async (n) => ((await n.call('PUBSUB', 'SHARDCHANNELS')) as string[]).includes(channel)));
    t.equal(listing.filter(Boolean).length, 1, `${id}: subscribed on exactly one node`);
    const owner = listing.indexOf(true);
    const counted = (await nodes[owner].call('CLUSTER', 'COUNTKEYSINSLOT', slot)) as number;
    t.ok(counted >= 1, 'that node holds the session keys');
  }
  const spread = new Set(await Promise.all(ids.map(async (id) => (await nodes[0].call('CLUSTER', 'KEYSLOT', logKeys(id).meta)) as number)));
  t.ok(spread.size > 1, 'sessions spread over slots');
});

/** A cluster whose nodes can be stopped and started again (AOF on), unlike the shared helper's. */
async function restartableCluster(): Promise<RedisServer[]> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await startRedis({
        aof: true,
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--cluster-node-timeout', '2000'],
      }),
    );
  }
  const run = promisify(execFile);
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
  await until(
    'cluster ready',
    async () =>
      (await Promise.all(nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'cluster', 'info']).then((r) => r.stdout)))).every((s) =>
        s.includes('cluster_state:ok'),
      ),
    15_000,
  );
  return nodes;
}

t.test('store (redis-cluster): commands reject while every node is down, and all resumes when they are back', async (t) => {
  const nodes = await restartableCluster();
  t.teardown(() => Promise.all(nodes.map((n) => n.close())));
  const seeds = nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  const a = await createStore({ redisCluster: seeds });
  const b = await createStore({ redisCluster: seeds });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const nav = (url: string) => ({ k: 'top', op: 'nav' as const, a: 'all' as const, d: { url }, by: 'p1' });
  const ids = Array.from({ length: 4 }, () => uniqueId('restart'));
  const heard = new Map<string, number[]>();
  for (const id of ids) {
    await a.log.create(id);
    await a.log.append(id, nav('/before'));
    const seqs: number[] = [];
    heard.set(id, seqs);
    await b.log.subscribe(id, 1, (e) => seqs.push(e.type === 'command' ? e.cmd.seq : -1));
  }

  let down = true;
  t.teardown(async () => {
    if (down) await Promise.all(nodes.map((n) => n.start()));
  });
  for (const n of nodes) await n.stop();
  const stopped = Date.now();
  await t.rejects(a.ping(), 'ping rejects');
  await t.rejects(a.log.append(ids[0], nav('/during')), 'appends reject');
  await t.rejects(b.directory.getSession(ids[0]), 'directory reads reject');
  t.ok(Date.now() - stopped < 5000, 'promptly, without hanging');

  for (const n of nodes) await n.start();
  down = false;
  await until(
    'appends work again',
    () =>
      a.log.append(ids[0], nav('/after')).then(
        () => true,
        () => false,
      ),
    30_000,
  );
  for (const id of ids.slice(1)) await a.log.append(id, nav('/after'));
  await until('every subscriber heard seq 2', () => ids.every((id) => heard.get(id)!.includes(2)), 15_000);
  for (const id of ids) t.same(heard.get(id), [2], `${id}: numbering continued, delivered once`);
  await until(
    'ping',
    () =>
      b.ping().then(
        () => true,
        () => false,
      ),
    10_000,
  );
});
