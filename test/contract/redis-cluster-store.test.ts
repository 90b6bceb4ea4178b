import t from 'tap';
import { Redis } from 'ioredis';
import { createStore } from '../../store/index.js';
import { logKeys } from '../../store/redis-command-log.js';
import { startRedisCluster } from '../helpers/redis.js';
import { runCommandLogSuite } from './command-log.suite.js';
import { runDirectorySuite } from './directory.suite.js';
import { uniqueId } from './poll.js';
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
