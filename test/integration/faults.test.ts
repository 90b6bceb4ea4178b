/**
 * Faults under load, with real processes: a replica killed with SIGKILL, a replica stopped with
 * SIGTERM, and Redis restarted (AOF on) while customers keep sending. Clients resume with
 * `since` on the surviving replica and resend what was not acknowledged with the same `c`.
 * "Acknowledged" means the sender saw its own command come back (every command here is sent
 * with "a":"all"). Afterwards: nothing acknowledged is lost, nothing is logged twice, and every
 * participant saw one gap-free sequence (or was told to reset: never a silent gap).
 */

import t, { type Test } from 'tap';
import type { BuiltPlugins } from '@tapjs/test';
import { Tokens, newId } from '../../gateway/identity/tokens.js';
import { CLOSE_RESTART } from '../../protocol/limits.js';
import type { Command } from '../../protocol/messages.js';
import { createStore, type Store } from '../../store/index.js';
import { spawnGateway, TEST_SECRET, type GatewayProcess } from '../helpers/gateway.js';
import { HubClient } from '../helpers/hub-client.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

type T = Test & BuiltPlugins;

const tokens = new Tokens(TEST_SECRET);

/** GatewayProcess.stop() waits for an exit that already happened when a signal ended the process. */
function stop(g: GatewayProcess): Promise<unknown> {
  if (g.proc.exitCode !== null || g.proc.signalCode !== null) return Promise.resolve();
  return g.stop('SIGKILL');
}
const SESSIONS = 4;

/** One participant across its successive connections. */
class Participant {
  readonly connections: HubClient[] = [];
  /** Commands sent, by number; acknowledged ones are the ones seen coming back. */
  private readonly sent = new Set<number>();
  private readonly resendTimers = new Set<NodeJS.Timeout>();
  internalErrors = 0;

  constructor(
    readonly id: string,
    readonly session: string,
    readonly token: string,
  ) {}

  get client(): HubClient {
    return this.connections.at(-1)!;
  }

  async connect(base: string): Promise<void> {
    const previous = this.connections.at(-1);
    const client = await HubClient.connectReplayed(base, this.token, previous ? previous.resumeAt() : null);
    this.connections.push(client);
    client.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type?: string; code?: string; c?: string };
      // A store error answers with the command's `c`: resend it a little later.
      if (m.type === 'error' && m.code === 'internal' && m.c) {
        this.internalErrors++;
        const n = Number(m.c.slice(1));
        const timer = setTimeout(() => {
          this.resendTimers.delete(timer);
          if (!this.acked().has(n) && this.client.isOpen) this.transmit(n);
        }, 200);
        this.resendTimers.add(timer);
      }
    });
  }

  send(n: number): void {
    this.sent.add(n);
    this.transmit(n);
  }

  private transmit(n: number): void {
    this.client.send({ k: `top/pointer/${this.id}`, op: 'pointer', d: { x: n, y: 0 }, a: 'all', c: `n${n}` });
  }

  /** Numbers seen coming back, on any connection. */
  acked(): Set<number> {
    const seen = new Set<number>();
    for (const c of this.connections) for (const m of c.commands()) if (m.by === this.id) seen.add((m.d as { x: number }).x);
    return seen;
  }

  /** Resends everything sent but not acknowledged: the store drops any it had logged already. */
  resendUnacknowledged(): number {
    const acked = this.acked();
    let n = 0;
    for (const x of this.sent) {
      if (!acked.has(x)) {
        this.transmit(x);
        n++;
      }
    }
    return n;
  }

  allAcked(): boolean {
    return this.acked().size === this.sent.size;
  }

  /** Every command received over all connections, in arrival order. */
  received(): Command[] {
    return this.connections.flatMap((c) => c.commands());
  }

  sawReset(): boolean {
    return this.connections.some((c) => c.ofType('reset').length > 0);
  }

  close(): void {
    for (const timer of this.resendTimers) clearTimeout(timer);
    for (const c of this.connections) c.terminate();
  }
}

interface World {
  redis: RedisServer;
  store: Store;
  a: GatewayProcess;
  b: GatewayProcess;
  customers: Participant[];
  /** Operators connected to replica a (they must move) and to replica b (they stay). */
  movers: Participant[];
  stayers: Participant[];
}

async function world(t: T): Promise<World> {
  const redis = await startRedis({ aof: true });
  const store = await createStore({ redisUrl: redis.url });
  const env = { TANDEM_REDIS_URL: redis.url, TANDEM_ORIGIN: 'http://127.0.0.1:9' };
  const [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  const w: World = { redis, store, a, b, customers: [], movers: [], stayers: [] };
  t.teardown(async () => {
    for (const p of [...w.customers, ...w.movers, ...w.stayers]) p.close();
    await Promise.all([stop(a), stop(b)]);
    await store.close();
    await redis.close();
  });
  for (let s = 0; s < SESSIONS; s++) {
    const session = newId();
    await store.log.create(session);
    await store.directory.createSession(session, { status: 'active', createdAt: Date.now(), people: [] });
    const make = (id: string, role: 'customer' | 'operator') => new Participant(id, session, tokens.hub(session, id, role, id, 300_000));
    const customer = make(`c${s}`, 'customer');
    const mover = make(`m${s}`, 'operator');
    const stayer = make(`s${s}`, 'operator');
    await Promise.all([customer.connect(a.url), mover.connect(a.url), stayer.connect(b.url)]);
    w.customers.push(customer);
    w.movers.push(mover);
    w.stayers.push(stayer);
  }
  return w;
}

/** Sends `count` numbered commands from every customer at ~100/s each, from `from` on. */
async function stream(w: World, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i += 2) {
    // Into a dead socket too, as a browser would before it notices: those are resent later.
    for (const c of w.customers) {
      c.send(i);
      if (i + 1 < from + count) c.send(i + 1);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function moveToB(w: World, who: Participant[]): Promise<number> {
  let resent = 0;
  await Promise.all(
    who.map(async (p) => {
      await p.connect(w.b.url);
      resent += p.resendUnacknowledged();
    }),
  );
  return resent;
}

async function verify(t: T, w: World, total: number): Promise<void> {
  for (const c of w.customers) await c.client.until(() => c.allAcked(), `${c.id}: every command acknowledged`, 30_000);
  let doubled = 0;
  let lost = 0;
  let gaps = 0;
  let resets = 0;
  for (let s = 0; s < SESSIONS; s++) {
    const customer = w.customers[s];
    const entries = await w.store.log.entries(customer.session);
    const numbers = entries.filter((e) => e.by === customer.id).map((e) => (e.d as { x: number }).x);
    doubled += numbers.length - new Set(numbers).size;
    lost += total - new Set(numbers).size;
    const head = (await w.store.log.meta(customer.session))!.head;
    for (const p of [customer, w.movers[s], w.stayers[s]]) {
      await p.client.until(() => p.client.lastSeq === head, `${p.id} reaching seq ${head}`, 30_000);
      if (p.sawReset()) {
        resets++;
        continue;
      }
      const seqs = p.received().map((m) => m.seq);
      const want = Array.from({ length: head }, (_, i) => i + 1);
      if (JSON.stringify(seqs) !== JSON.stringify(want)) gaps++;
    }
  }
  t.equal(lost, 0, 'no command lost');
  t.equal(doubled, 0, 'no command logged twice');
  t.equal(gaps, 0, `every participant saw seq 1..head once, in order, across its connections (${resets} told to reset)`);
}

t.test('faults: a replica killed with SIGKILL mid-session: its clients resume on the other, nothing lost, nothing doubled', async (t) => {
  const w = await world(t);
  await stream(w, 0, 100);
  w.a.proc.kill('SIGKILL');
  // Customers keep "sending" into dead sockets for a moment, as a real browser would.
  await stream(w, 100, 20);
  await Promise.all([...w.customers, ...w.movers].map((p) => p.client.waitClosed()));
  const resent = await moveToB(w, [...w.customers, ...w.movers]);
  await stream(w, 120, 100);
  await verify(t, w, 220);
  t.ok(resent > 0, `unacknowledged commands were resent (${resent})`);
});

t.test('faults: a replica stopped with SIGTERM tells its clients to reconnect; they resume on the other', async (t) => {
  const w = await world(t);
  await stream(w, 0, 100);
  const exited = w.a.stop('SIGTERM');
  for (const p of [...w.customers, ...w.movers]) {
    const closed = await p.client.waitClosed();
    t.equal(closed.code, CLOSE_RESTART, `${p.id}: closed with 1012`);
    t.equal(p.client.ofType('reconnect').length, 1, `${p.id}: told to reconnect`);
  }
  t.equal(await exited, 0, 'the replica exits cleanly');
  await moveToB(w, [...w.customers, ...w.movers]);
  await stream(w, 100, 100);
  await verify(t, w, 200);
  const present = await w.store.directory.present(w.customers[0].session);
  t.same(present.map((p) => p.id).sort(), ['c0', 'm0', 's0'], 'presence lists the moved clients once');
});

t.test('faults: Redis restarted with AOF mid-session: the log is intact and numbering goes on, or clients are told to reset', async (t) => {
  const w = await world(t);
  const epochs = await Promise.all(w.customers.map(async (c) => (await w.store.log.meta(c.session))!.epoch));
  await stream(w, 0, 100);
  await w.redis.stop();
  const sending = stream(w, 100, 40);
  await new Promise((r) => setTimeout(r, 500));
  await w.redis.start();
  await sending;
  await stream(w, 140, 60);
  await verify(t, w, 200);
  const after = await Promise.all(w.customers.map(async (c) => (await w.store.log.meta(c.session))!.epoch));
  const resets = [...w.customers, ...w.movers, ...w.stayers].filter((p) => p.sawReset()).length;
  t.ok(
    JSON.stringify(after) === JSON.stringify(epochs) || resets > 0,
    after.every((e, i) => e === epochs[i]) ? 'same epochs: numbering continued' : 'new epochs, and clients were told to reset',
  );
  const errors = w.customers.reduce((n, c) => n + c.internalErrors, 0);
  t.comment(`${errors} appends answered "internal" during the outage and were resent`);
  t.ok(
    w.customers.every((c) => c.client.isOpen),
    'clients stayed connected through the outage',
  );
});
