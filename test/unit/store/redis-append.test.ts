/**
 * The append script's idempotence and keys on a real Redis (single and cluster): a retried
 * batch and resends are stored once, senders' marks are dropped when a replica that does not
 * keep them appended, and a session's keys are the ones readers use, in one slot.
 */

import t, { type Test } from 'tap';
import { Redis } from 'ioredis';
import { RedisConnection } from '../../../store/redis-connection.js';
import { RedisCommandLog, logKeyList, logKeys } from '../../../store/redis-command-log.js';
import { APPEND_BATCH_LUA } from '../../../store/redis-scripts.js';
import { groupHeader, packAppend, packBatch } from '../../../store/redis-append-batches.js';
import type { AppendInput } from '../../../store/command-log.js';
import { startRedis, startRedisCluster } from '../../helpers/redis.js';

const server = await startRedis();
t.teardown(() => server.close());

let n = 0;
const uniqueId = (what: string) => `${what}-${process.pid}-${n++}`;
const pointer = (x: number, by: string, c?: string): AppendInput => ({
  k: `top/pointer/${by}`,
  op: 'pointer',
  a: 'others',
  d: { x, y: 0 },
  by,
  c,
});

/** One call of the script, as AppendBatches packs it (single Redis: no keys). */
function batch(id: string, appends: { by: string; c: string; x: number }[]): Buffer {
  const packed = appends.map((a) => {
    const body = `"t":${Date.now()},${JSON.stringify({ a: 'others', k: `top/pointer/${a.by}`, op: 'pointer', d: { x: a.x, y: 0 }, by: a.by }).slice(1)}`;
    return packAppend({ by: a.by, c: a.c, k: `top/pointer/${a.by}`, body, compact: true, retiresBelow: false, publish: true });
  });
  const [meta, log, state, sent] = logKeyList(id);
  return packBatch([{ header: groupHeader([meta, log, state, sent], id), appends: packed }]);
}

async function open(t: Test, maxLen = 1000) {
  const conn = new RedisConnection({ url: server.url });
  const log = new RedisCommandLog(conn, { maxLen });
  const raw = new Redis(server.url);
  t.teardown(async () => {
    raw.disconnect();
    await log.close();
    await conn.close();
  });
  const id = uniqueId('append');
  await log.create(id);
  const call = (packed: Buffer) => conn.script(APPEND_BATCH_LUA, [], [maxLen, 'PUBLISH', 'tandem:test', packed]);
  return { conn, log, raw, id, call };
}

t.test('a batch sent twice (its answer lost, the call retried) is stored once', async (t) => {
  const { log, id, call } = await open(t);
  const packed = batch(id, [
    { by: 'p1', c: 'x1a', x: 1 },
    { by: 'p2', c: 'y00', x: 2 },
    { by: 'p1', c: 'x1b', x: 3 },
  ]);
  t.same(await call(packed), [1, 2, 3]);
  const again = (await call(packed)) as [string, string][];
  t.same(
    again.map((r) => [r[0], (JSON.parse(r[1]) as { seq: number }).seq]),
    [
      ['duplicate', 1],
      ['duplicate', 2],
      ['duplicate', 3],
    ],
    'each append of the retried batch is answered with its first copy',
  );
  t.same(
    (await log.entries(id)).map((c) => c.seq),
    [1, 2, 3],
    'logged once',
  );
  t.equal((await log.meta(id))?.head, 3);
});

t.test('client ids that do not rise are still told apart: a resend below the mark is found, a new id below it is logged', async (t) => {
  const { log, id } = await open(t);
  const ids = ['m9', 'm10', 'a', 'zzzz', 'b'];
  const first = await Promise.all(ids.map((c, i) => log.append(id, pointer(i, 'p1', c))));
  t.same(
    first.map((r) => [r.duplicate, r.cmd.seq]),
    ids.map((_, i) => [false, i + 1]),
  );
  const again = await Promise.all(ids.map((c, i) => log.append(id, pointer(i, 'p1', c))));
  t.same(
    again.map((r) => [r.duplicate, r.cmd.seq]),
    ids.map((_, i) => [true, i + 1]),
    'every resend is recognised, whatever the order of the ids',
  );
  const other = await log.append(id, pointer(9, 'p1', 'c'));
  t.same([other.duplicate, other.cmd.seq], [false, 6], 'an id below the mark never sent before is logged');
});

t.test('a replica that does not keep the marks appending turns them off; resends are still recognised', async (t) => {
  const { log, raw, id } = await open(t);
  const { meta, log: stream } = logKeys(id);
  await log.append(id, pointer(1, 'p1', 'k0001'));
  t.same(await raw.hmget(meta, 'hwmHead', 'hwm:p1'), ['1', 'k0001'], 'the mark of p1, kept up to head 1');
  // What a replica of the version before does: the command, its client id in sent, head.
  const [, , , sent] = logKeyList(id);
  await raw.xadd(
    stream,
    '2-0',
    'c',
    JSON.stringify({ seq: 2, t: Date.now(), k: 'top/pointer/p1', op: 'pointer', a: 'others', d: { x: 2, y: 0 }, by: 'p1' }),
  );
  await raw.hset(sent, '2:p1:k0009', '2');
  await raw.hset(meta, 'head', '2');
  const resend = await log.append(id, pointer(2, 'p1', 'k0009'));
  t.same([resend.duplicate, resend.cmd.seq], [true, 2], 'above the stale mark, yet recognised: the marks are off');
  await log.append(id, pointer(3, 'p1', 'k000a'));
  t.equal(await raw.hget(meta, 'hwmHead'), null, 'and stay off');
  const again = await log.append(id, pointer(3, 'p1', 'k000a'));
  t.same([again.duplicate, again.cmd.seq], [true, 3]);
  t.same(
    (await log.entries(id)).map((c) => c.seq),
    [1, 2, 3],
  );
});

t.test('on a single Redis the script builds the keys readers use', async (t) => {
  const { log, raw, id } = await open(t, 4);
  for (let i = 1; i <= 5; i++) await log.append(id, pointer(i, 'p1', `c${i}`));
  const keys = (await raw.keys(`tandem:{${id}}:*`)).sort();
  t.same(keys, logKeyList(id).slice().sort(), 'meta, log, state, sent and sent:old, nothing else');
  t.equal(await raw.xlen(logKeys(id).log), 5);
  t.equal(await raw.hget(logKeys(id).sentOld, '2:p1:c1'), '1', 'the generation before');
  t.equal(await raw.hget(logKeys(id).sent, '2:p1:c5'), '5');
});

t.test('on a cluster every key and the channel of a session share one slot, and resends are recognised', async (t) => {
  const cluster = await startRedisCluster();
  t.teardown(() => cluster.close());
  const conn = new RedisConnection({ cluster: cluster.seeds });
  const log = new RedisCommandLog(conn, { maxLen: 4 });
  const node = new Redis(cluster.seeds[0].port, '127.0.0.1');
  t.teardown(async () => {
    node.disconnect();
    await log.close();
    await conn.close();
  });
  for (const id of [uniqueId('slot'), `${uniqueId('odd')}{t}`, `${uniqueId('brace')}}x`]) {
    await log.create(id);
    for (let i = 1; i <= 5; i++) await log.append(id, pointer(i, 'p1', `c${i}`));
    const again = await log.append(id, pointer(5, 'p1', 'c5'));
    t.same([again.duplicate, again.cmd.seq], [true, 5], `${id}: a resend is recognised`);
    const k = logKeys(id);
    const slots = await Promise.all([...logKeyList(id), k.channel].map((key) => node.call('CLUSTER', 'KEYSLOT', key)));
    t.equal(new Set(slots).size, 1, `${id}: meta, log, state, sent, sent:old and the channel in slot ${String(slots[0])}`);
  }
});

t.test('a batch cut short: the appends read before the cut are logged and answered, the rest is an error', async (t) => {
  const { log, id, call } = await open(t);
  const packed = batch(id, [
    { by: 'p1', c: 'a1', x: 1 },
    { by: 'p1', c: 'a2', x: 2 },
  ]);
  const replies = (await call(packed.subarray(0, packed.length - 5))) as unknown[];
  t.same(replies, [1, ['error', 'malformed append batch']]);
  t.same(
    (await log.entries(id)).map((c) => [c.seq, c.d]),
    [[1, { x: 1, y: 0 }]],
    'the first append is logged whole',
  );
  t.equal((await log.meta(id))?.head, 1, 'and head moved to it');
});

t.test('client ids, keys and senders of any bytes travel in the binary batch as they are', async (t) => {
  const { log, id } = await open(t);
  const by = 'p:é\n"ü 1';
  const first = await log.append(id, { k: 'top/form/ñ\u0000/x', op: 'input', a: 'others', d: { value: '💡' }, by, c: '0:é\u0000' });
  const again = await log.append(id, { k: 'top/form/ñ\u0000/x', op: 'input', a: 'others', d: { value: '💡' }, by, c: '0:é\u0000' });
  t.same([first.duplicate, again.duplicate, again.cmd.seq], [false, true, 1]);
  t.same(again.cmd, first.cmd, 'the resend is answered with the command as logged');
});
