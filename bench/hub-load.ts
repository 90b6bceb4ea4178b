/**
 * One load generator of bench/hub.ts, run in a worker thread: it holds its share of the pairs
 * (customer + operator per session), offers its share of the rate and measures each command
 * from its send to the operator's receipt on its own clock. One generator thread could not offer
 * more than about 22,000 commands/s and receive them back, which capped both Tandem and the
 * peer at the same figure: the saturation point measured the bench, not the servers.
 *
 * Messages from the main thread: {type:'drive', rate, warmupMs, measureMs} → {type:'result', ...};
 * {type:'close'} → {type:'closed'}. On start it opens its pairs and posts {type:'ready'}.
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';

export type LoadSpec = (
  { kind: 'tandem'; base: string; sessions: { customer: string; operator: string }[] } | { kind: 'peer'; port: number; sessions: string[] }
) & {
  /** Characters of DOM-change data per command (a `dom` chunk, as the mirror sends); 0 or absent: scroll and pointer. */
  payload?: number;
};

export interface DriveResult {
  latencies: Float64Array;
  delivered: number;
  windowMs: number;
  /** This generator's own event-loop delay while measuring, p99 (ms): how late it could see a receipt. */
  loopDelayP99: number;
}

interface Client {
  send(k: string, op: string, d: { x: number; y: number; [more: string]: unknown }): void;
  onCommand(cb: (x: number) => void): void;
  close(): void;
}

interface Pair {
  customer: Client;
  operator: Client;
}

function tandemClientOnce(url: string): Promise<Client> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const idPrefix = Math.random().toString(36).slice(2, 8);
  let sent = 0;
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
          // With a client id on every command, as the browser's transport sends them (the hub
          // remembers each for idempotent resends).
          send: (k, op, d) => ws.send(JSON.stringify({ k, op, a: 'others', d, c: `${idPrefix}${(sent++).toString(36)}` })),
          onCommand: (cb) => (listener = cb),
          close: () => ws.terminate(),
        }),
      ),
    );
    ws.once('error', reject);
  });
}

/** A real client reconnects when its socket drops before the replay; so does this one. */
async function tandemClient(url: string): Promise<Client> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tandemClientOnce(url);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
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

function open(spec: LoadSpec): Promise<Pair[]> {
  if (spec.kind === 'tandem') {
    return inBatches(spec.sessions, 25, async (s) => {
      const [customer, operator] = await Promise.all([tandemClient(spec.base + s.customer), tandemClient(spec.base + s.operator)]);
      return { customer, operator };
    });
  }
  return inBatches(spec.sessions, 25, async (id) => {
    const [customer, operator] = await Promise.all([peerClient(spec.port, id, `c-${id}`), peerClient(spec.port, id, `o-${id}`)]);
    return { customer, operator };
  });
}

/** Offers `rate` commands/s spread evenly over the pairs, for warmup + measure. */
async function drive(pairs: Pair[], rate: number, warmupMs: number, measureMs: number, payload: number): Promise<DriveResult> {
  const part = payload > 0 ? 'x'.repeat(payload) : null;
  const RING = 8192;
  const sentAt = pairs.map(() => new Float64Array(RING));
  const counters = new Int32Array(pairs.length);
  const latencies = new Float64Array(Math.ceil((rate * (measureMs + 2000)) / 1000) + 1000);
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
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const start = performance.now();
  let sent = 0;
  let next = 0;
  let measureStart = 0;
  await new Promise<void>((resolve) => {
    // Paced every millisecond: S customers send independently, so what reaches a server in one
    // instant is a few commands, not the burst a coarser tick would release all at once.
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.floor(((now - start) * rate) / 1000);
      for (; sent < due; sent++) {
        const i = next;
        next = (next + 1) % pairs.length;
        const x = counters[i]++;
        sentAt[i][x % RING] = performance.now();
        if (part !== null) pairs[i].customer.send('top/dom', 'dom', { sid: 'b', n: 1, i: 0, part, x, y: 0 });
        else pairs[i].customer.send(x % 2 ? 'top/scroll' : `top/pointer/c`, x % 2 ? 'scroll' : 'pointer', { x, y: 0 });
      }
      if (!measuring && now - start >= warmupMs) {
        measuring = true;
        measureStart = now;
        loopDelay.enable();
      }
      if (measuring && now - measureStart >= measureMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const windowMs = performance.now() - measureStart;
  loopDelay.disable();
  // Let in-flight commands land before counting, so latency tails are not cut off.
  await new Promise((r) => setTimeout(r, 300));
  measuring = false;
  for (const p of pairs) p.operator.onCommand(() => undefined);
  return { latencies: latencies.slice(0, nLat), delivered, windowMs, loopDelayP99: loopDelay.percentile(99) / 1e6 };
}

const port = parentPort!;
const spec = workerData as LoadSpec;
const pairs = await open(spec);
port.on('message', (m: { type: 'drive'; rate: number; warmupMs: number; measureMs: number } | { type: 'close' }) => {
  if (m.type === 'drive') {
    void drive(pairs, m.rate, m.warmupMs, m.measureMs, spec.payload ?? 0).then((r) =>
      port.postMessage({ type: 'result', ...r }, [r.latencies.buffer as ArrayBuffer]),
    );
  } else {
    for (const p of pairs) {
      p.customer.close();
      p.operator.close();
    }
    setTimeout(() => port.postMessage({ type: 'closed' }), 500);
  }
});
port.postMessage({ type: 'ready' });
