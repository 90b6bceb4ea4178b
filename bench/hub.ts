/**
 * The push hub under load, against a Socket.IO 4 peer (bench/peers/socketio-peer.ts: Redis
 * streams adapter, a room per session, Redis INCR for the sequence) measured side by side.
 *
 * Workload: S sessions × 2 clients (customer + operator); the customer sends scroll and pointer
 * commands (alternating, "a":"others") at 30 commands/s per session; the operator receives.
 * Figures: end-to-end latency (customer send → operator receipt, one clock) p50/p99 and
 * delivered commands/s at S = 100, 500, 1000, on the memory store and on Redis; the saturation
 * point (highest offered rate still delivered in full with p99 under 100 ms); the cost of the
 * front door's hop to uWS (direct hub port vs through the front door); gateway RSS; RSS per
 * idle connection at 10,000 connections.
 *
 * The servers run in child processes; this process is only the load generator (so neither
 * shares the other's event loop). Loopback only, every phase bounded in time.
 *
 *   npm run build && node dist/bench/hub.js [--quick] [--redis]
 *
 * BENCH_SERVER_NODE_ARGS passes node options to the servers (e.g. "--cpu-prof --cpu-prof-dir=DIR").
 * --redis runs only what compares tandem on Redis with the peer (sizes and saturation, side by
 * side), skipping the memory store, the front door hop and idle memory.
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';
import { startRedis, type RedisServer } from '../test/helpers/redis.js';

const QUICK = process.argv.includes('--quick');
const REDIS_ONLY = process.argv.includes('--redis');
const MEASURE_MS = QUICK ? 2000 : 4000;
const WARMUP_MS = 1000;
const RATE_PER_SESSION = 30;
const SIZES = QUICK ? [100, 500] : [100, 500, 1000];
const SATURATION_SESSIONS = 200;
const SATURATION_RATES = [3000, 6000, 12000, 24000, 48000];
const IDLE_CONNECTIONS = QUICK ? 2000 : 10_000;

interface Client {
  send(k: string, op: string, d: { x: number; y: number }): void;
  onCommand(cb: (x: number) => void): void;
  close(): void;
}

interface Pair {
  customer: Client;
  operator: Client;
}

interface Target {
  readonly name: string;
  /** S sessions, each with a connected customer and operator ready to receive. */
  open(sessions: number, opts?: { direct?: boolean }): Promise<Pair[]>;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

interface Result {
  p50: number;
  p99: number;
  deliveredPerSec: number;
  offeredPerSec: number;
}

function child(script: string, env: Record<string, string>): Promise<{ proc: ChildProcess; ready: string[] }> {
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the servers.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, fileURLToPath(new URL(script, import.meta.url))], {
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

/** Runs `fn` over `items` with at most `n` at a time. */
async function inBatches<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

function tandemClientOnce(url: string): Promise<Client> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let listener: ((x: number) => void) | null = null;
  let replayed: () => void;
  const ready = new Promise<void>((r) => (replayed = r));
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.charCodeAt(2) === 115 /* {"seq */) {
      const m = JSON.parse(text) as { d: { x: number } };
      listener?.(m.d.x);
    } else if (text.includes('"replayed"')) replayed();
  });
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    ws.once('close', (code, reason) => reject(new Error(`hub connection closed before its replay: ${code} ${reason.toString()}`)));
    ws.once('open', () =>
      ready.then(() =>
        resolve({
          send: (k, op, d) => ws.send(JSON.stringify({ k, op, a: 'others', d })),
          onCommand: (cb) => (listener = cb),
          close: () => ws.terminate(),
        }),
      ),
    );
    ws.once('error', reject);
  });
}

/**
 * A real client reconnects when its socket drops before the replay; so does this one (rarely
 * needed: see the report on upgrades closed by uWS during bursts of Redis-backed joins).
 */
async function tandemClient(url: string): Promise<Client> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tandemClientOnce(url);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function tandemTarget(name: string, env: Record<string, string>): Promise<Target> {
  const { proc, ready } = await child('./peers/tandem-server.js', env);
  const [gatewayPort, hubPort, controlPort] = ready.map(Number);
  const control = (path: string) => fetch(`http://127.0.0.1:${controlPort}${path}`).then((r) => r.json());
  return {
    name,
    async open(sessions, opts = {}) {
      const made = (await control(`/setup?sessions=${sessions}`)) as { customer: string; operator: string }[];
      const base = `ws://127.0.0.1:${opts.direct ? hubPort : gatewayPort}/__tandem/hub?token=`;
      return inBatches(made, 50, async (s) => {
        const [customer, operator] = await Promise.all([tandemClient(base + s.customer), tandemClient(base + s.operator)]);
        return { customer, operator };
      });
    },
    rss: async () => ((await control('/stats')) as { rss: number }).rss,
    stop: () => stopChild(proc),
  };
}

function peerClient(port: number, session: string, participant: string): Promise<Client> {
  const socket: Socket = ioClient(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    auth: { session, participant },
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () =>
      resolve({
        send: (k, op, d) => socket.emit('cmd', { k, op, a: 'others', d }),
        onCommand: (cb) => socket.on('cmd', (m: { d: { x: number } }) => cb(m.d.x)),
        close: () => socket.disconnect(),
      }),
    );
    socket.once('connect_error', reject);
  });
}

async function peerTarget(redisUrl: string): Promise<Target> {
  const { proc, ready } = await child('./peers/socketio-peer.js', { REDIS_URL: redisUrl });
  const port = Number(ready[0]);
  let n = 0;
  return {
    name: 'socket.io peer (Redis)',
    async open(sessions) {
      const ids = Array.from({ length: sessions }, () => `bench-${process.pid}-${n++}`);
      return inBatches(ids, 50, async (id) => {
        const [customer, operator] = await Promise.all([peerClient(port, id, `c-${id}`), peerClient(port, id, `o-${id}`)]);
        // The room join is asynchronous on the server: give it a beat before traffic starts.
        return { customer, operator };
      });
    },
    rss: async () => ((await fetch(`http://127.0.0.1:${port}/stats`).then((r) => r.json())) as { rss: number }).rss,
    stop: () => stopChild(proc),
  };
}

/** Empties Redis between runs, so no run reads or trims another's streams. */
async function flush(redis: RedisServer): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile('redis-cli', ['-p', String(redis.port), 'flushall'], (err) => (err ? reject(err) : resolve())),
  );
}

function percentile(xs: Float64Array, n: number, p: number): number {
  const s = Array.from(xs.subarray(0, n)).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
}

/** Offers `totalRate` commands/s spread evenly over the pairs, for warmup + measure. */
async function drive(pairs: Pair[], totalRate: number): Promise<Result> {
  const RING = 8192;
  const sentAt = pairs.map(() => new Float64Array(RING));
  const counters = new Int32Array(pairs.length);
  const latencies = new Float64Array(Math.ceil((totalRate * (MEASURE_MS + 2000)) / 1000) + 1000);
  let nLat = 0;
  let delivered = 0;
  let measuring = false;
  pairs.forEach((p, i) => {
    p.operator.onCommand((x) => {
      if (!measuring) return;
      delivered++;
      if (nLat < latencies.length) latencies[nLat++] = performance.now() - sentAt[i][x % RING];
    });
  });
  await new Promise((r) => setTimeout(r, 200));
  const start = performance.now();
  let sent = 0;
  let next = 0;
  let measureStart = 0;
  let sentInWindow = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.floor(((now - start) * totalRate) / 1000);
      for (; sent < due; sent++) {
        const i = next;
        next = (next + 1) % pairs.length;
        const x = counters[i]++;
        sentAt[i][x % RING] = performance.now();
        pairs[i].customer.send(x % 2 ? 'top/scroll' : `top/pointer/c`, x % 2 ? 'scroll' : 'pointer', { x, y: 0 });
        if (measuring) sentInWindow++;
      }
      if (!measuring && now - start >= WARMUP_MS) {
        measuring = true;
        measureStart = now;
      }
      if (measuring && now - measureStart >= MEASURE_MS) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const windowMs = performance.now() - measureStart;
  // Let in-flight commands land before counting, so latency tails are not cut off.
  await new Promise((r) => setTimeout(r, 300));
  measuring = false;
  void sentInWindow;
  return {
    p50: percentile(latencies, nLat, 50),
    p99: percentile(latencies, nLat, 99),
    deliveredPerSec: (delivered * 1000) / windowMs,
    offeredPerSec: totalRate,
  };
}

function closeAll(pairs: Pair[]): Promise<void> {
  for (const p of pairs) {
    p.customer.close();
    p.operator.close();
  }
  return new Promise((r) => setTimeout(r, 500));
}

const ms = (x: number) => `${x.toFixed(2)} ms`;
const rate = (x: number) => `${Math.round(x).toLocaleString('en')}/s`;
const mb = (x: number) => `${(x / 1024 / 1024).toFixed(1)} MB`;

type Factory = () => Promise<Target>;

/** Each size on a fresh server process, so no phase inherits another's backlog. */
async function sizes(make: Factory): Promise<Map<number, Result & { rss: number }>> {
  const out = new Map<number, Result & { rss: number }>();
  for (const s of SIZES) {
    const target = await make();
    try {
      const pairs = await target.open(s, { direct: true });
      const r = await drive(pairs, s * RATE_PER_SESSION);
      const rss = await target.rss();
      out.set(s, { ...r, rss });
      console.log(
        `  ${target.name.padEnd(24)} S=${String(s).padEnd(5)} p50 ${ms(r.p50).padStart(9)}  p99 ${ms(r.p99).padStart(9)}  delivered ${rate(r.deliveredPerSec).padStart(9)} of ${rate(r.offeredPerSec)}  RSS ${mb(rss)}`,
      );
      await closeAll(pairs);
    } finally {
      await target.stop();
    }
  }
  return out;
}

/** Highest offered rate delivered in full (≥ 95 %) with p99 under 250 ms, and the most ever delivered. */
async function saturation(make: Factory): Promise<{ sustained: number; peak: number }> {
  let sustained = 0;
  let peak = 0;
  for (const offered of SATURATION_RATES) {
    const target = await make();
    try {
      const pairs = await target.open(SATURATION_SESSIONS, { direct: true });
      const r = await drive(pairs, offered);
      peak = Math.max(peak, r.deliveredPerSec);
      const ok = r.deliveredPerSec >= 0.95 * offered && r.p99 < 250;
      console.log(
        `  ${target.name.padEnd(24)} offered ${rate(offered).padStart(9)}  delivered ${rate(r.deliveredPerSec).padStart(9)}  p50 ${ms(r.p50).padStart(10)}  p99 ${ms(r.p99).padStart(10)}  ${ok ? 'keeps up' : 'saturated'}`,
      );
      await closeAll(pairs);
      if (ok) sustained = offered;
      else break;
    } finally {
      await target.stop();
    }
  }
  return { sustained, peak };
}

async function idle(target: Target, connections: number, direct: boolean): Promise<number> {
  const before = await target.rss();
  const pairs = await target.open(connections / 2, { direct });
  await new Promise((r) => setTimeout(r, 1000));
  const after = await target.rss();
  await closeAll(pairs);
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
    `  saturation, sustained ${rate(satRedis.sustained)} vs ${rate(satPeer.sustained)}; peak ${rate(satRedis.peak)} vs ${rate(satPeer.peak)} = ${(satRedis.peak / satPeer.peak).toFixed(2)}×`,
  );
  const r500 = red.get(500);
  if (r500) console.log(`  target: 500 sessions × 30/s on Redis, p99 ≤ 15 ms: ${ms(r500.p99)} ${r500.p99 <= 15 ? 'met' : 'NOT met'}`);
  console.log(
    `  target: saturation ≥ 3× the peer: ${(satRedis.peak / satPeer.peak).toFixed(2)}× ${satRedis.peak >= 3 * satPeer.peak ? 'met' : 'NOT met'}`,
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
      return tandemTarget('tandem (Redis)', { TANDEM_REDIS_URL: redis.url });
    };
    const peer: Factory = async () => {
      await flush(redis);
      return peerTarget(redis.url);
    };

    console.log(
      `hub bench: S sessions × (customer + operator), ${RATE_PER_SESSION} commands/s per session, ${MEASURE_MS / 1000} s measured after ${WARMUP_MS / 1000} s warmup; every run on fresh server processes`,
    );
    console.log('\nlatency and throughput (tandem on its hub port, as with TANDEM_HUB_PORT; the peer on its own port)');
    if (!REDIS_ONLY) await sizes(memory);
    const red = await sizes(onRedis);
    const peerSizes = await sizes(peer);

    if (!REDIS_ONLY) console.log('\nthe front door hop (memory store): direct uWS port vs through node:http');
    for (const s of REDIS_ONLY ? [] : [100, 500]) {
      const target = await memory();
      const directPairs = await target.open(s, { direct: true });
      const direct = await drive(directPairs, s * RATE_PER_SESSION);
      await closeAll(directPairs);
      const bridgedPairs = await target.open(s);
      const bridged = await drive(bridgedPairs, s * RATE_PER_SESSION);
      await closeAll(bridgedPairs);
      await target.stop();
      console.log(
        `  S=${String(s).padEnd(4)} direct   p50 ${ms(direct.p50).padStart(9)}  p99 ${ms(direct.p99).padStart(9)}  delivered ${rate(direct.deliveredPerSec)}`,
      );
      console.log(
        `  S=${String(s).padEnd(4)} bridged  p50 ${ms(bridged.p50).padStart(9)}  p99 ${ms(bridged.p99).padStart(9)}  delivered ${rate(bridged.deliveredPerSec)}  (p50 ${(bridged.p50 / direct.p50).toFixed(2)}×, p99 ${(bridged.p99 / direct.p99).toFixed(2)}×)`,
      );
    }

    console.log(`\nsaturation (${SATURATION_SESSIONS} sessions, rising offered rate)`);
    const satMem = REDIS_ONLY ? { sustained: 0, peak: 0 } : await saturation(memory);
    const satRedis = await saturation(onRedis);
    const satPeer = await saturation(peer);

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
    const idlePeer = await peerTarget(redis.url);
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
      `  saturation ≥ 3× the peer: ${(satRedis.peak / satPeer.peak).toFixed(2)}× ${satRedis.peak >= 3 * satPeer.peak ? 'met' : 'NOT met'}`,
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
