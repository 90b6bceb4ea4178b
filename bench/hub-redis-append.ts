/**
 * Redis's CPU per append of the store's append script, side by side with another build of the
 * store (the commit before a change, say) and with a bare XADD of the same size, on one Redis in
 * one run. bench/hub.ts --redis-append measures the same through a whole hub under load; this
 * one drives the store alone (no hub, no sockets), so that what it measures is Redis's share and
 * little else: on a busy machine its figures vary less, and a round takes a second.
 *
 *   node dist/bench/hub-redis-append.js [--baseline <dist dir of another build>]... [--rounds N]
 *     [--sessions S] [--batch B] [--appends N] [--without-this] [--commandstats]
 *     e.g. git worktree add /tmp/old <commit> && (cd /tmp/old && ln -s $PWD/node_modules && npx tsc -b)
 *          node dist/bench/hub-redis-append.js --baseline /tmp/old/dist
 *
 * Each build's own store (createStore from its dist/store/index.js) appends, as the hub does:
 * S sessions, each with a customer sending scroll and pointer commands with client ids that
 * rise as the browser's do (a prefix, then a counter in base 36), BATCH appends of different
 * sessions per turn of the event loop (the hub's calls carried 60–90 at 500 sessions × 30/s),
 * every batch published to one subscriber (a replica). Then as many bare XADDs (MAXLEN ~,
 * explicit ids) of commands of the size the store wrote, pipelined BATCH at a time. The builds
 * and the XADDs take turns, round after round; each figure is the median of its rounds, and
 * CPU is the Redis main thread's own (/proc schedstat). --commandstats also prints, per build, the
 * commands Redis ran per append in its last round and their time (INFO commandstats: the script's
 * own calls are counted too, so EVALSHA's time includes theirs).
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../test/helpers/redis.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? 5);
const SESSIONS = Number(arg('--sessions') ?? 200);
const BATCH = Number(arg('--batch') ?? 72);
/** Appends per build and round. */
const APPENDS = Number(arg('--appends') ?? 20_000);
const COMMANDSTATS = process.argv.includes('--commandstats');

/** The part of a build's store this bench uses (dist/store/index.js). */
interface StoreModule {
  createStore(options: { redisUrl: string }): Promise<{
    log: {
      create(id: string): Promise<unknown>;
      append(id: string, input: { k: string; op: string; a: string; d: unknown; by: string; c?: string }): Promise<unknown>;
      subscribe(id: string, after: number, listener: () => void): Promise<{ close(): Promise<void> }>;
    };
    close(): Promise<void>;
  }>;
}

interface Build {
  name: string;
  store: StoreModule;
  cpu: number[];
  /** INFO commandstats of its last round, per append. */
  stats?: string;
}

/** CPU time of a process's main thread so far, in µs (/proc schedstat: ns, not ticks). */
function threadCpuUs(pid: number | undefined): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
}

/** Appends APPENDS commands through one build's store; returns Redis CPU per append (µs) and a command's stored size. */
async function runBuild(build: Build, redis: RedisServer, admin: Redis): Promise<{ cpu: number; bytes: number; stats: string }> {
  await admin.flushall();
  const store = await build.store.createStore({ redisUrl: redis.url });
  try {
    const ids = Array.from({ length: SESSIONS }, (_, i) => `bench-${i}-${Math.random().toString(36).slice(2, 10)}`);
    for (const id of ids) await store.log.create(id);
    // One subscriber, as one replica: every batch is published to it.
    const sub = await store.log.subscribe(ids[0], 0, () => undefined);
    const senders = ids.map((id) => ({ id, by: `c-${id}`, prefix: Math.random().toString(36).slice(2, 8), n: 0 }));
    let turn = 0;
    const drive = async (count: number) => {
      for (let done = 0; done < count; done += BATCH) {
        const pending: Promise<unknown>[] = [];
        for (let j = 0; j < BATCH && done + j < count; j++) {
          const s = senders[(turn * BATCH + j) % SESSIONS];
          const x = Date.now() + j;
          const scroll = s.n % 2 === 1;
          pending.push(
            store.log.append(s.id, {
              k: scroll ? 'top/scroll' : 'top/pointer/c',
              op: scroll ? 'scroll' : 'pointer',
              a: 'others',
              d: { x, y: 0 },
              by: s.by,
              c: `${s.prefix}${(s.n++).toString(36)}`,
            }),
          );
        }
        turn++;
        await Promise.all(pending);
      }
    };
    await drive(Math.min(APPENDS, 2 * SESSIONS)); // the scripts loaded, every session's keys made
    if (COMMANDSTATS) await admin.config('RESETSTAT');
    const before = threadCpuUs(redis.pid);
    await drive(APPENDS);
    const cpu = (threadCpuUs(redis.pid) - before) / APPENDS;
    const stats = COMMANDSTATS ? commandStats(await admin.info('commandstats')) : '';
    await sub.close();
    const last = await admin.xrevrange(`tandem:{${ids[1]}}:log`, '+', '-', 'COUNT', 1);
    return { cpu, bytes: last[0]?.[1][1]?.length ?? 120, stats };
  } finally {
    await store.close();
  }
}

/** INFO commandstats as calls and µs per append: `evalsha 0.014×89.1 µs, xadd 1×2.1 µs, ...`. */
function commandStats(info: string): string {
  const rows: string[] = [];
  for (const m of info.matchAll(/^cmdstat_(\S+?):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/gm)) {
    if (m[1] === 'info' || m[1] === 'config|resetstat') continue;
    rows.push(`${m[1]} ${(Number(m[2]) / APPENDS).toFixed(3)}×${Number(m[4]).toFixed(2)} µs`);
  }
  return rows.join(', ');
}

/** As many bare XADDs as a build appended, of the same size, pipelined BATCH at a time. */
async function runBare(redis: RedisServer, admin: Redis, bytes: number): Promise<number> {
  await admin.flushall();
  const value = `{"seq":1,"t":${Date.now()},"a":"others","k":"top/pointer/c","op":"pointer","d":{"x":1,"y":0},"by":"x"}`.padEnd(bytes, ' ');
  const client = new Redis(redis.url);
  try {
    const seqs = new Array<number>(SESSIONS).fill(0);
    const before = threadCpuUs(redis.pid);
    for (let at = 0; at < APPENDS; at += BATCH) {
      const p = client.pipeline();
      for (let i = at; i < Math.min(APPENDS, at + BATCH); i++) {
        const s = i % SESSIONS;
        p.xadd(`bare:{${s}}:log`, 'MAXLEN', '~', 10_000, `${++seqs[s]}-0`, 'c', value);
      }
      await p.exec();
    }
    return (threadCpuUs(redis.pid) - before) / APPENDS;
  } finally {
    client.disconnect();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main(): Promise<void> {
  const builds: Build[] = [];
  // --baseline may be given more than once.
  for (let i = 2; i < process.argv.length - 1; i++) {
    if (process.argv[i] !== '--baseline') continue;
    const dir = process.argv[i + 1];
    const store = (await import(pathToFileURL(resolve(dir, 'store/index.js')).href)) as StoreModule;
    builds.push({ name: dir, store, cpu: [] });
  }
  // --without-this: the baseline alone (to profile it, say).
  if (!process.argv.includes('--without-this'))
    builds.push({ name: 'this build', store: (await import('../store/index.js')) as unknown as StoreModule, cpu: [] });
  const redis = await startRedis();
  const admin = new Redis(redis.url);
  const bare: number[] = [];
  try {
    console.log(
      `Redis CPU per append: ${SESSIONS} sessions, ${BATCH} appends per call, ${APPENDS.toLocaleString('en')} appends per build and round, ${ROUNDS} rounds (medians)`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      let bytes = 0;
      for (const build of builds) {
        const r = await runBuild(build, redis, admin);
        build.cpu.push(r.cpu);
        build.stats = r.stats;
        bytes = r.bytes;
      }
      bare.push(await runBare(redis, admin, bytes));
    }
  } finally {
    admin.disconnect();
    await redis.close();
  }
  const x = median(bare);
  for (const b of builds) {
    const cpu = median(b.cpu);
    const ratio = cpu / x;
    console.log(
      `  ${b.name.padEnd(40)} ${cpu.toFixed(1).padStart(5)} µs per append = ${ratio.toFixed(2)}× bare XADD ${ratio <= 3 ? '✔' : '✘'}  (rounds: ${b.cpu.map((c) => c.toFixed(1)).join(' ')})`,
    );
    if (b.stats) console.log(`    per append: ${b.stats}`);
  }
  console.log(
    `  ${'bare XADD'.padEnd(40)} ${x.toFixed(1).padStart(5)} µs per XADD                    (rounds: ${bare.map((c) => c.toFixed(1)).join(' ')})`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
