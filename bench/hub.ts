/**
 * The push hub under load, against a Socket.IO 4 peer (bench/peers/socketio-peer.ts: Redis
 * streams adapter, a room per session, Redis INCR for the sequence) measured side by side.
 *
 * Workload: S sessions × 2 clients (customer + operator); the customer sends scroll and pointer
 * commands (alternating, "a":"others") at 30 commands/s per session; the operator receives.
 * Figures: end-to-end latency (customer send → operator receipt, one clock) p50/p99 and
 * delivered commands/s at S = 100, 500, 1000, on the memory store and on Redis, with the CPU
 * each process spends per command and the event-loop delays of server and load; the
 * saturation point (the highest offered rate still delivered in full, ≥ 95 %, with p99 under
 * 250 ms, found by doubling then bisecting: the targets' saturation throughput; the most
 * delivered in any trial is printed beside it); the cost of the front door's hop to uWS
 * (direct hub port vs through the front door); gateway RSS; RSS per idle connection at
 * 10,000 connections.
 *
 * The servers run in child processes and the load in worker threads of this process
 * (bench/hub-load.ts), so no server shares an event loop with its load. Loopback only, every
 * phase bounded in time.
 *
 *   npm run build && node dist/bench/hub.js [--quick] [--redis] [--payloads]
 *
 * --payloads runs only the hub CPU per delivered command against the peer for small commands
 * and 2 KB / 20 KB DOM changes, with the MB/s of DOM changes delivered (`--baseline <dist dir>`,
 * repeatable, runs other builds beside this one, as for --redis-append below).
 *
 * --redis runs only what compares tandem on Redis with the peer (sizes and saturation, side by
 * side), skipping the memory store, the front door hop and idle memory.
 *
 * --redis-append runs only Redis's CPU per append against a bare XADD (also part of --redis and
 * of the full run): tandem on Redis at REDIS_APPEND_SESSIONS × 30/s, then, on the same Redis in
 * the same run, as many plain XADDs of commands of the same size, in pipelines as large as the
 * hub's batches were. CPU is the Redis main thread's own (/proc schedstat); the time Redis
 * counts inside the commands (INFO commandstats) is printed beside it. `--baseline <dist dir>`
 * (repeatable) runs another build's tandem server too, round by round with this one's (e.g. the
 * commit before a change: `git worktree add /tmp/old <commit>`, link node_modules, `npx tsc -b`
 * there). For development:
 * --front-door runs only the front door's hop; BENCH_SIZES=500,1000 replaces the sizes;
 * --tandem-sizes stops after tandem's sizes; --saturation runs only the saturation search of
 * BENCH_TARGETS (memory,redis,peer; tandem's by default), or with BENCH_TRIALS=18000,24000 only
 * trials at those rates; BENCH_SERVER_NODE_ARGS passes node options to the servers (e.g.
 * "--cpu-prof --cpu-prof-dir=DIR").
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import type { DriveResult, LoadSpec } from './hub-load.js';
import { startRedis, type RedisServer } from '../test/helpers/redis.js';

const QUICK = process.argv.includes('--quick');
const REDIS_ONLY = process.argv.includes('--redis');
const MEASURE_MS = QUICK ? 2000 : 4000;
const WARMUP_MS = 1000;
const RATE_PER_SESSION = 30;
const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : QUICK ? [100, 500] : [100, 500, 1000];
const SATURATION_SESSIONS = 200;
/** Saturation search: doubling from the first rate until saturated, then halving the interval this many times. */
const SATURATION_FIRST_RATE = 6000;
const SATURATION_BISECTIONS = QUICK ? 2 : 3;
const IDLE_CONNECTIONS = QUICK ? 2000 : 10_000;
const PAYLOAD_ROUNDS = QUICK ? 1 : 3;

interface Target {
  readonly name: string;
  /** S sessions, each with a connected customer and operator ready to receive. */
  open(sessions: number, opts: { direct?: boolean; rate: number; payload?: number }): Promise<Load>;
  rss(): Promise<number>;
  /** The server's event-loop delay p99 (ms) since the last call; null where the server does not say. */
  loopDelayP99(): Promise<number | null>;
  /** CPU time so far (ms) of the server and, when it has one, of its Redis. */
  cpu(): { server: number; redis: number | null };
  stop(): Promise<void>;
}

interface Result {
  p50: number;
  p99: number;
  /** The load generators' own event-loop delay, p99 (ms), the worst thread's. */
  loopDelayP99: number;
  deliveredPerSec: number;
  offeredPerSec: number;
}

function child(script: string, env: Record<string, string>): Promise<{ proc: ChildProcess; ready: string[] }> {
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the servers.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, isAbsolute(script) ? script : fileURLToPath(new URL(script, import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY ([^\n]*)\n/.exec(out);
      if (m) resolve({ proc, ready: m[1].split(' ') });
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The load generators holding one run's load (bench/hub-load.ts), one worker thread each. */
interface Load {
  drive(totalRate: number): Promise<Result>;
  close(): Promise<void>;
}

/**
 * One generator thread tops out near 22,000 commands/s offered and taken back, which would cap
 * Tandem and the peer alike; so a run gets one thread per GENERATOR_RATE commands/s it offers.
 * No more than that: on this 2-core machine an extra thread only takes CPU from the servers.
 */
const GENERATOR_RATE = 15_000;

function nextMessage<T>(worker: Worker, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(m as T);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

async function startLoad<S>(sessions: S[], rate: number, spec: (share: S[]) => LoadSpec): Promise<Load> {
  const threads = Math.max(1, Math.min(sessions.length, Math.ceil(rate / GENERATOR_RATE)));
  const shares = Array.from({ length: threads }, (_, w) => sessions.filter((_, i) => i % threads === w));
  const workers = shares.map((share) => new Worker(new URL('./hub-load.js', import.meta.url), { workerData: spec(share) }));
  await Promise.all(workers.map((w) => nextMessage(w, 'ready')));
  return {
    async drive(totalRate) {
      const results = await Promise.all(
        workers.map((w, i) => {
          const done = nextMessage<DriveResult>(w, 'result');
          w.postMessage({
            type: 'drive',
            rate: (totalRate * shares[i].length) / sessions.length,
            warmupMs: WARMUP_MS,
            measureMs: MEASURE_MS,
          });
          return done;
        }),
      );
      const latencies = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
      let at = 0;
      for (const r of results) {
        latencies.set(r.latencies, at);
        at += r.latencies.length;
      }
      latencies.sort();
      const windowMs = Math.max(...results.map((r) => r.windowMs));
      return {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        loopDelayP99: Math.max(...results.map((r) => r.loopDelayP99)),
        deliveredPerSec: (results.reduce((n, r) => n + r.delivered, 0) * 1000) / windowMs,
        offeredPerSec: totalRate,
      };
    },
    async close() {
      await Promise.all(
        workers.map(async (w) => {
          const closed = nextMessage(w, 'closed');
          w.postMessage({ type: 'close' });
          await closed;
          await w.terminate();
        }),
      );
    },
  };
}

/** CPU time (user + system) of a process so far, in ms, from /proc (Linux; 100 ticks/s). */
function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function tandemTarget(
  name: string,
  env: Record<string, string>,
  redis?: RedisServer,
  server = './peers/tandem-server.js',
): Promise<Target> {
  const { proc, ready } = await child(server, env);
  const [gatewayPort, hubPort, controlPort] = ready.map(Number);
  const control = (path: string) => fetch(`http://127.0.0.1:${controlPort}${path}`).then((r) => r.json());
  return {
    name,
    async open(sessions, opts) {
      const made = (await control(`/setup?sessions=${sessions}`)) as { customer: string; operator: string }[];
      const base = `ws://127.0.0.1:${opts.direct ? hubPort : gatewayPort}/__tandem/hub?token=`;
      return startLoad(made, opts.rate, (share) => ({ kind: 'tandem', base, sessions: share, payload: opts.payload }));
    },
    rss: async () => ((await control('/stats')) as { rss: number }).rss,
    loopDelayP99: async () => ((await control('/stats')) as { loopDelayP99: number }).loopDelayP99,
    cpu: () => ({ server: cpuMs(proc.pid), redis: redis ? cpuMs(redis.pid) : null }),
    stop: () => stopChild(proc),
  };
}

async function peerTarget(redis: RedisServer): Promise<Target> {
  const { proc, ready } = await child('./peers/socketio-peer.js', { REDIS_URL: redis.url });
  const port = Number(ready[0]);
  let n = 0;
  return {
    name: 'socket.io peer (Redis)',
    async open(sessions, opts) {
      const ids = Array.from({ length: sessions }, () => `bench-${process.pid}-${n++}`);
      const load = await startLoad(ids, opts.rate, (share) => ({ kind: 'peer', port, sessions: share, payload: opts.payload }));
      // The room join is asynchronous on the server: give it a beat before traffic starts.
      await new Promise((r) => setTimeout(r, 200));
      return load;
    },
    rss: async () => ((await fetch(`http://127.0.0.1:${port}/stats`).then((r) => r.json())) as { rss: number }).rss,
    loopDelayP99: async () => null,
    cpu: () => ({ server: cpuMs(proc.pid), redis: cpuMs(redis.pid) }),
    stop: () => stopChild(proc),
  };
}

/** Empties Redis between runs, so no run reads or trims another's streams. */
async function flush(redis: RedisServer): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile('redis-cli', ['-p', String(redis.port), 'flushall'], (err) => (err ? reject(err) : resolve())),
  );
}

/** `sorted` ascending. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;
}

const ms = (x: number) => `${x.toFixed(2)} ms`;
const rate = (x: number) => `${Math.round(x).toLocaleString('en')}/s`;
const mb = (x: number) => `${(x / 1024 / 1024).toFixed(1)} MB`;

type Factory = () => Promise<Target>;

/** CPU per command offered of server, Redis and load, over warmup and measure alike (both offered at `offered`/s). */
function cpuPerCommand(
  offered: number,
  before: { server: number; redis: number | null },
  after: { server: number; redis: number | null },
  load: NodeJS.CpuUsage,
): string {
  const commands = (offered * (WARMUP_MS + MEASURE_MS)) / 1000;
  const per = (ms: number) => `${((ms * 1000) / commands).toFixed(0)} µs`;
  const redis = after.redis === null || before.redis === null ? '' : ` + Redis ${per(after.redis - before.redis)}`;
  return `CPU/command ${per(after.server - before.server)}${redis} (load ${per((load.user + load.system) / 1000)})`;
}

/** Each size on a fresh server process, so no phase inherits another's backlog. */
async function sizes(make: Factory): Promise<Map<number, Result & { rss: number }>> {
  const out = new Map<number, Result & { rss: number }>();
  for (const s of SIZES) {
    const target = await make();
    try {
      const load = await target.open(s, { direct: true, rate: s * RATE_PER_SESSION });
      await target.loopDelayP99(); // starts the server's count afresh
      const before = target.cpu();
      const loadBefore = process.cpuUsage();
      const r = await load.drive(s * RATE_PER_SESSION);
      const loadCpu = process.cpuUsage(loadBefore);
      const after = target.cpu();
      const serverDelay = await target.loopDelayP99();
      const rss = await target.rss();
      out.set(s, { ...r, rss });
      const delays = `loop delay p99: server ${serverDelay === null ? 'n/a' : ms(serverDelay)}, load ${ms(r.loopDelayP99)}`;
      const cpu = `${cpuPerCommand(s * RATE_PER_SESSION, before, after, loadCpu)}; ${delays}`;
      console.log(
        `  ${target.name.padEnd(24)} S=${String(s).padEnd(5)} p50 ${ms(r.p50).padStart(9)}  p99 ${ms(r.p99).padStart(9)}  delivered ${rate(r.deliveredPerSec).padStart(9)} of ${rate(r.offeredPerSec)}  RSS ${mb(rss)}  ${cpu}`,
      );
      await load.close();
    } finally {
      await target.stop();
    }
  }
  return out;
}

/** One saturation trial on a fresh server: is `offered` delivered in full (≥ 95 %) with p99 under 250 ms? */
async function trial(make: Factory, offered: number): Promise<{ ok: boolean; delivered: number }> {
  const target = await make();
  try {
    const load = await target.open(SATURATION_SESSIONS, { direct: true, rate: offered });
    const before = target.cpu();
    const loadBefore = process.cpuUsage();
    const r = await load.drive(offered);
    const cpu = cpuPerCommand(offered, before, target.cpu(), process.cpuUsage(loadBefore));
    const ok = r.deliveredPerSec >= 0.95 * offered && r.p99 < 250;
    console.log(
      `  ${target.name.padEnd(24)} offered ${rate(offered).padStart(9)}  delivered ${rate(r.deliveredPerSec).padStart(9)}  p50 ${ms(r.p50).padStart(10)}  p99 ${ms(r.p99).padStart(10)}  ${ok ? 'keeps up ' : 'saturated'}  ${cpu}`,
    );
    await load.close();
    return { ok, delivered: r.deliveredPerSec };
  } finally {
    await target.stop();
  }
}

/**
 * The saturation point: the highest offered rate delivered in full with p99 under 250 ms, found
 * by doubling and then bisecting; and the most ever delivered in any trial.
 */
async function saturation(make: Factory): Promise<{ sustained: number; peak: number }> {
  let sustained = 0;
  let failed = 0;
  let peak = 0;
  for (let offered = SATURATION_FIRST_RATE; !failed; offered *= 2) {
    const r = await trial(make, offered);
    peak = Math.max(peak, r.delivered);
    if (r.ok) sustained = offered;
    else failed = offered;
  }
  for (let i = 0; i < SATURATION_BISECTIONS; i++) {
    const offered = Math.round((sustained + failed) / 2 / 100) * 100;
    const r = await trial(make, offered);
    peak = Math.max(peak, r.delivered);
    if (r.ok) sustained = offered;
    else failed = offered;
  }
  return { sustained, peak };
}

async function idle(target: Target, connections: number, direct: boolean): Promise<number> {
  const before = await target.rss();
  const load = await target.open(connections / 2, { direct, rate: 0 });
  await new Promise((r) => setTimeout(r, 1000));
  const after = await target.rss();
  await load.close();
  return (after - before) / connections;
}

type Sized = Map<number, Result & { rss: number }>;

function redisRatios(
  red: Sized,
  peerSizes: Sized,
  satRedis: { sustained: number; peak: number },
  satPeer: { sustained: number; peak: number },
): void {
  console.log('\nratios (tandem on Redis / peer)');
  for (const s of SIZES) {
    const r = red.get(s)!;
    const p = peerSizes.get(s)!;
    console.log(
      `  S=${s}: p50 ${(r.p50 / p.p50).toFixed(2)}×, p99 ${(r.p99 / p.p99).toFixed(2)}×, delivered ${(r.deliveredPerSec / p.deliveredPerSec).toFixed(2)}×`,
    );
  }
  console.log(
    `  saturation point ${rate(satRedis.sustained)} vs ${rate(satPeer.sustained)} = ${(satRedis.sustained / satPeer.sustained).toFixed(2)}×; most delivered ${rate(satRedis.peak)} vs ${rate(satPeer.peak)} = ${(satRedis.peak / satPeer.peak).toFixed(2)}×`,
  );
  const r500 = red.get(500);
  if (r500) console.log(`  target: 500 sessions × 30/s on Redis, p99 ≤ 15 ms: ${ms(r500.p99)} ${r500.p99 <= 15 ? 'met' : 'NOT met'}`);
  console.log(
    `  target: saturation point ≥ 3× the peer's: ${(satRedis.sustained / satPeer.sustained).toFixed(2)}× ${satRedis.sustained >= 3 * satPeer.sustained ? 'met' : 'NOT met'}`,
  );
}

/** The front door's hop: the same load on the hub port directly and through node:http. */
async function frontDoorHop(memory: Factory): Promise<void> {
  console.log('\nthe front door hop (memory store): direct uWS port vs through node:http');
  for (const s of [100, 500]) {
    const target = await memory();
    const measure = async (direct: boolean) => {
      const load = await target.open(s, { direct, rate: s * RATE_PER_SESSION });
      const before = target.cpu().server;
      const r = await load.drive(s * RATE_PER_SESSION);
      const cpu = ((target.cpu().server - before) * 1000) / ((s * RATE_PER_SESSION * (WARMUP_MS + MEASURE_MS)) / 1000);
      await load.close();
      return { ...r, cpu };
    };
    const direct = await measure(true);
    const bridged = await measure(false);
    await target.stop();
    const line = (name: string, r: Result & { cpu: number }) =>
      `  S=${String(s).padEnd(4)} ${name.padEnd(8)} p50 ${ms(r.p50).padStart(9)}  p99 ${ms(r.p99).padStart(9)}  delivered ${rate(r.deliveredPerSec)}  CPU/command ${r.cpu.toFixed(0)} µs`;
    console.log(line('direct', direct));
    console.log(
      `${line('bridged', bridged)}  (p50 ${(bridged.p50 / direct.p50).toFixed(2)}×, p99 ${(bridged.p99 / direct.p99).toFixed(2)}×, CPU ${(bridged.cpu / direct.cpu).toFixed(2)}×)`,
    );
  }
}

/**
 * Hub CPU per delivered command against the peer's, on Redis, for small commands and for DOM
 * changes of 2 KB and 20 KB (`dom` chunks), with the MB/s of DOM changes delivered: each on fresh
 * processes, the targets taking turns, PAYLOAD_ROUNDS rounds, medians. CPU is counted over the
 * warmup and the measure alike, so it is divided by what was offered over both; a run that did
 * not deliver 95 % of what it was offered is marked (its figures are those of a backlog).
 * `--baseline <dist dir>` (repeatable) runs other builds' tandem servers too, in the same rounds.
 */
async function payloads(onRedis: Factory, peer: Factory, redis: RedisServer): Promise<void> {
  const cases: [label: string, bytes: number, rate: number][] = [
    ['small', 0, 3000],
    ['2 KB', 2048, 3000],
    // 1,000/s of 20 KB (20 MB/s in, 20 MB/s out, and twice that through Redis) saturated the peer
    // on this 2-core machine while it ran the load as well: its CPU per command was its backlog's.
    ['20 KB', 20 * 1024, 500],
  ];
  // BENCH_PAYLOAD_RATES=1500,1500,250 offers other rates (a busy machine saturates at these).
  const rates = process.env.BENCH_PAYLOAD_RATES?.split(',').map(Number);
  if (rates) rates.forEach((r, i) => cases[i] && (cases[i][2] = r));
  const sessions = 100;
  const targets: Factory[] = [...baselines(redis), onRedis, peer];
  // BENCH_PAYLOADS=small,20KB runs only those cases (a development aid).
  const only = process.env.BENCH_PAYLOADS?.split(',');
  console.log(
    `\nhub CPU per delivered command, Redis, ${sessions} sessions (${PAYLOAD_ROUNDS} rounds each, taking turns; medians; ✘: under 95 % delivered)`,
  );
  for (const [label, bytes, offered] of cases) {
    if (only && !only.includes(label.replace(' ', ''))) continue;
    const per = new Map<string, { cpu: number[]; redis: number[]; mbs: number[] }>();
    for (let round = 0; round < PAYLOAD_ROUNDS; round++) {
      for (const make of targets) {
        const target = await make();
        try {
          const load = await target.open(sessions, { direct: true, rate: offered, payload: bytes });
          const before = target.cpu();
          const r = await load.drive(offered);
          const after = target.cpu();
          await load.close();
          const commands = (offered * (WARMUP_MS + MEASURE_MS)) / 1000;
          const row = per.get(target.name) ?? { cpu: [], redis: [], mbs: [] };
          per.set(target.name, row);
          row.cpu.push(((after.server - before.server) * 1000) / commands);
          row.redis.push((((after.redis ?? 0) - (before.redis ?? 0)) * 1000) / commands);
          row.mbs.push((r.deliveredPerSec * bytes) / 1e6);
          const kept = r.deliveredPerSec >= 0.95 * offered ? ' ' : '✘';
          console.log(
            `    ${label.padEnd(6)} ${target.name.padEnd(24)} delivered ${rate(r.deliveredPerSec).padStart(7)} of ${rate(offered)} ${kept} p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  hub ${row.cpu.at(-1)!.toFixed(0)} µs`,
          );
        } finally {
          await target.stop();
        }
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const names = [...per.keys()];
    const peerRow = per.get(names.at(-1)!)!;
    for (const [name, row] of per) {
      const dom = bytes > 0 ? `; ${med(row.mbs).toFixed(1)} MB/s of DOM changes delivered` : '';
      console.log(
        `  ${label.padEnd(6)} ${name.padEnd(24)} hub ${med(row.cpu).toFixed(0).padStart(5)} µs + Redis ${med(row.redis).toFixed(0).padStart(4)} µs per delivered command${dom}`,
      );
    }
    for (const name of names.slice(0, -1)) {
      const ratios = per.get(name)!.cpu.map((c, i) => c / peerRow.cpu[i]);
      const ratio = med(ratios);
      console.log(
        `  ${label.padEnd(6)} ${name} / peer hub CPU: ${ratio.toFixed(2)}× (median of paired rounds ${ratios.map((x) => x.toFixed(2)).join(' ')}; target ≤ 0.5×: ${ratio <= 0.5 ? 'met' : 'NOT met'})`,
      );
    }
  }
}

/** The tandem servers of the builds named by `--baseline <dist dir>` (another checkout built with `npx tsc -b`). */
function baselines(redis: RedisServer): Factory[] {
  const out: Factory[] = [];
  for (let i = 2; i < process.argv.length - 1; i++) {
    if (process.argv[i] !== '--baseline') continue;
    const dir = process.argv[i + 1];
    const server = resolve(dir, 'bench/peers/tandem-server.js');
    out.push(async () => {
      await flush(redis);
      return tandemTarget(`tandem (${dir})`, { TANDEM_REDIS_URL: redis.url }, redis, server);
    });
  }
  return out;
}

/** Redis CPU per append: rounds of each, medians. */
const REDIS_APPEND_SESSIONS = 200;
const REDIS_APPEND_ROUNDS = QUICK ? 1 : 3;

/** CPU time of a process's main thread so far, in µs (/proc schedstat: ns, not ticks). */
function threadCpuUs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return NaN;
  }
}

type CommandStats = Record<string, { calls: number; usec: number }>;

async function commandStats(client: Redis): Promise<CommandStats> {
  const out: CommandStats = {};
  for (const m of (await client.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g))
    out[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
  return out;
}

function delta(a: CommandStats, b: CommandStats, name: string): { calls: number; usec: number } {
  return { calls: (b[name]?.calls ?? 0) - (a[name]?.calls ?? 0), usec: (b[name]?.usec ?? 0) - (a[name]?.usec ?? 0) };
}

/**
 * Redis's CPU per append (tandem on Redis, S sessions × 30/s of scroll and pointer) against a bare
 * XADD: the same number of commands of the same size appended to S streams as plain XADD
 * commands (MAXLEN ~, explicit ids, as the script's), pipelined in batches as large as the
 * hub's calls were, measured right after on the same Redis. Appends are counted by Redis
 * (the XADDs the script ran). With `--baseline <dist dir>` (repeatable), the tandem servers of
 * those builds (another checkout's dist/, built with `npx tsc -b`) run too, each round in turn
 * with this build's, on the same Redis: the builds compared side by side.
 */
async function redisPerAppend(onRedis: Factory, redis: RedisServer): Promise<void> {
  const s = REDIS_APPEND_SESSIONS;
  const builds: { name: string; make: Factory; rows: { cpu: number; script: number; batch: number; bytes: number }[] }[] = [];
  for (let i = 2; i < process.argv.length - 1; i++) {
    if (process.argv[i] !== '--baseline') continue;
    const server = resolve(process.argv[i + 1], 'bench/peers/tandem-server.js');
    const make: Factory = async () => {
      await flush(redis);
      return tandemTarget(`tandem (${process.argv[i + 1]})`, { TANDEM_REDIS_URL: redis.url }, redis, server);
    };
    builds.push({ name: process.argv[i + 1], make, rows: [] });
  }
  builds.push({ name: 'this build', make: onRedis, rows: [] });
  console.log(
    `\nRedis CPU per append (tandem on Redis, ${s} sessions × ${RATE_PER_SESSION}/s; then bare XADDs on the same Redis; ${REDIS_APPEND_ROUNDS} rounds, medians)`,
  );
  const admin = new Redis(redis.url);
  const bare: { xCpu: number; xUsec: number }[] = [];
  try {
    for (let round = 0; round < REDIS_APPEND_ROUNDS; round++) {
      let appends = 30_000;
      let batch = 1;
      let bytes = 120;
      for (const build of builds) {
        const target = await build.make();
        try {
          const load = await target.open(s, { direct: true, rate: s * RATE_PER_SESSION });
          const before = await commandStats(admin);
          const cpuBefore = threadCpuUs(redis.pid);
          await load.drive(s * RATE_PER_SESSION);
          const cpuAfter = threadCpuUs(redis.pid);
          const after = await commandStats(admin);
          await load.close();
          appends = delta(before, after, 'xadd').calls;
          const calls = delta(before, after, 'evalsha').calls + delta(before, after, 'eval').calls;
          batch = Math.max(1, Math.round(appends / Math.max(1, calls)));
          // The stored size of one command, from a stream the run wrote.
          const [key] = (await admin.scan('0', 'MATCH', 'tandem:{*}:log', 'COUNT', 1000))[1];
          const last = key ? await admin.xrevrange(key, '+', '-', 'COUNT', 1) : [];
          bytes = last[0]?.[1][1]?.length ?? 120;
          build.rows.push({
            cpu: (cpuAfter - cpuBefore) / appends,
            script: (delta(before, after, 'evalsha').usec + delta(before, after, 'eval').usec) / appends,
            batch,
            bytes,
          });
        } finally {
          await target.stop();
        }
      }
      // The bare XADDs: as many as this build appended (at most 30,000), on fresh streams.
      const n = Math.min(appends, 30_000);
      const value = `{"seq":1,"t":${Date.now()},"a":"others","k":"top/pointer","op":"pointer","d":{"x":1,"y":2},"by":"x"}`.padEnd(
        bytes,
        ' ',
      );
      const before = await commandStats(admin);
      const cpuBefore = threadCpuUs(redis.pid);
      for (let at = 0; at < n; at += batch) {
        const p = admin.pipeline();
        for (let i = at; i < Math.min(n, at + batch); i++) p.xadd(`bare:{${i % s}}:log`, 'MAXLEN', '~', 10_000, `${i + 1}-0`, 'c', value);
        await p.exec();
      }
      const cpuAfter = threadCpuUs(redis.pid);
      const after = await commandStats(admin);
      const x = delta(before, after, 'xadd');
      bare.push({ xCpu: (cpuAfter - cpuBefore) / n, xUsec: x.usec / x.calls });
      await admin.del(...Array.from({ length: s }, (_, i) => `bare:{${i}}:log`));
    }
  } finally {
    admin.disconnect();
  }
  const med = <T>(rows: T[], f: (r: T) => number) => [...rows.map(f)].sort((a, b) => a - b)[rows.length >> 1];
  const xCpu = med(bare, (r) => r.xCpu);
  const xUsec = med(bare, (r) => r.xUsec);
  for (const build of builds) {
    const cpu = med(build.rows, (r) => r.cpu);
    const ratio = cpu / xCpu;
    console.log(
      `  ${build.name.padEnd(15)} Redis CPU ${cpu.toFixed(1).padStart(5)} µs per append = ${ratio.toFixed(2)}× bare XADD ${ratio <= 3 ? '✔' : '✘'} (target ≤ 3×); inside the script ${med(build.rows, (r) => r.script).toFixed(1)} µs (commandstats); ${med(build.rows, (r) => r.batch)} appends per call, ${med(build.rows, (r) => r.bytes)} B per command; rounds ${build.rows.map((r) => r.cpu.toFixed(1)).join(' ')}`,
    );
  }
  console.log(
    `  ${'bare XADD'.padEnd(15)} Redis CPU ${xCpu.toFixed(1).padStart(5)} µs per XADD; inside the command ${xUsec.toFixed(1)} µs (commandstats); rounds ${bare.map((r) => r.xCpu.toFixed(1)).join(' ')}`,
  );
}

async function main(): Promise<void> {
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const redis: RedisServer = await startRedis();
    cleanup.push(() => redis.close());
    const started = Date.now();
    const memory: Factory = () => tandemTarget('tandem (memory)', {});
    const onRedis: Factory = async () => {
      await flush(redis);
      return tandemTarget('tandem (Redis)', { TANDEM_REDIS_URL: redis.url }, redis);
    };
    const peer: Factory = async () => {
      await flush(redis);
      return peerTarget(redis);
    };

    console.log(
      `hub bench: S sessions × (customer + operator), ${RATE_PER_SESSION} commands/s per session, ${MEASURE_MS / 1000} s measured after ${WARMUP_MS / 1000} s warmup; every run on fresh server processes`,
    );
    if (process.argv.includes('--front-door')) return frontDoorHop(memory); // a development aid
    if (process.argv.includes('--payloads')) return await payloads(onRedis, peer, redis);
    if (process.argv.includes('--redis-append')) return await redisPerAppend(onRedis, redis);
    if (process.argv.includes('--saturation')) {
      // A development aid: only the saturation search, of the targets named.
      // BENCH_TRIALS=18000,24000 runs trials at those offered rates instead of the search.
      const trials = process.env.BENCH_TRIALS?.split(',').map(Number);
      const all: Record<string, Factory> = { memory, redis: onRedis, peer };
      const chosen = (process.env.BENCH_TARGETS ?? (REDIS_ONLY ? 'redis' : 'memory,redis')).split(',');
      for (const make of chosen.map((name) => all[name])) {
        if (!trials) await saturation(make);
        else for (const offered of trials) await trial(make, offered);
      }
      return;
    }
    console.log('\nlatency and throughput (tandem on its hub port, as with TANDEM_HUB_PORT; the peer on its own port)');
    if (!REDIS_ONLY) await sizes(memory);
    const red = await sizes(onRedis);
    if (process.argv.includes('--tandem-sizes')) return; // a development aid: only the line above
    const peerSizes = await sizes(peer);

    if (!REDIS_ONLY) await frontDoorHop(memory);

    console.log(`\nsaturation (${SATURATION_SESSIONS} sessions, rising offered rate)`);
    const satMem = REDIS_ONLY ? { sustained: 0, peak: 0 } : await saturation(memory);
    const satRedis = await saturation(onRedis);
    const satPeer = await saturation(peer);

    await redisPerAppend(onRedis, redis);

    if (REDIS_ONLY) {
      redisRatios(red, peerSizes, satRedis, satPeer);
      console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
      return;
    }
    console.log(`\nidle connections (${IDLE_CONNECTIONS.toLocaleString('en')}, fresh processes)`);
    const idleTandem = await tandemTarget('tandem (memory)', {});
    const perDirect = await idle(idleTandem, IDLE_CONNECTIONS, true);
    const rssDirect = await idleTandem.rss();
    await idleTandem.stop();
    // Through the front door each connection holds three sockets in the gateway: half as many fit the fd limit.
    const idleBridged = await tandemTarget('tandem (memory)', {});
    const perBridged = await idle(idleBridged, IDLE_CONNECTIONS / 2, false);
    await idleBridged.stop();
    const idlePeer = await peerTarget(redis);
    const perPeer = await idle(idlePeer, IDLE_CONNECTIONS, false);
    await idlePeer.stop();
    const base = rssDirect - perDirect * IDLE_CONNECTIONS;
    console.log(
      `  tandem, hub port     ${(perDirect / 1024).toFixed(1)} KB per connection (≈ ${mb(base + perDirect * IDLE_CONNECTIONS)} at ${IDLE_CONNECTIONS.toLocaleString('en')})`,
    );
    console.log(
      `  tandem, front door   ${(perBridged / 1024).toFixed(1)} KB per connection (≈ ${mb(base + perBridged * IDLE_CONNECTIONS)} at ${IDLE_CONNECTIONS.toLocaleString('en')}, measured at ${(IDLE_CONNECTIONS / 2).toLocaleString('en')})`,
    );
    console.log(`  socket.io peer       ${(perPeer / 1024).toFixed(1)} KB per connection`);

    const big = SIZES.includes(500) ? 500 : SIZES[SIZES.length - 1];
    const r500 = red.get(big)!;
    const p500 = peerSizes.get(big)!;
    console.log('\nratios (tandem / peer; lower latency and memory are better, higher throughput is better)');
    console.log(`  S=${big} on Redis: p50 ${(r500.p50 / p500.p50).toFixed(2)}×, p99 ${(r500.p99 / p500.p99).toFixed(2)}×`);
    console.log(
      `  saturation, sustained: tandem (Redis) ${rate(satRedis.sustained)} vs peer ${rate(satPeer.sustained)} = ${(satRedis.sustained / Math.max(1, satPeer.sustained)).toFixed(2)}×; memory store ${rate(satMem.sustained)}`,
    );
    console.log(
      `  saturation, peak delivered: tandem (Redis) ${rate(satRedis.peak)} vs peer ${rate(satPeer.peak)} = ${(satRedis.peak / satPeer.peak).toFixed(2)}×; memory store ${rate(satMem.peak)}`,
    );
    console.log(
      `  idle memory per connection: ${(perDirect / perPeer).toFixed(2)}× (hub port), ${(perBridged / perPeer).toFixed(2)}× (front door)`,
    );

    console.log('\ntargets');
    console.log(`  500 sessions × 30/s on Redis, p99 ≤ 15 ms: ${ms(r500.p99)} ${r500.p99 <= 15 ? 'met' : 'NOT met'}`);
    console.log(
      `  saturation point ≥ 3× the peer's: ${(satRedis.sustained / satPeer.sustained).toFixed(2)}× ${satRedis.sustained >= 3 * satPeer.sustained ? 'met' : 'NOT met'}`,
    );
    const at10k = base + perDirect * 10_000;
    console.log(`  10,000 idle connections ≤ 300 MB RSS: ${mb(at10k)} ${at10k <= 300 * 1024 * 1024 ? 'met' : 'NOT met'}`);
    console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
