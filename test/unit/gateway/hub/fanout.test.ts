import t from 'tap';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { LoggedCommand } from '../../../../protocol/messages.js';
import type { LogEvent, RangeResult, Snapshot } from '../../../../store/command-log.js';
import { parseWireLine } from '../../../../store/wire-command.js';
import type { App } from '../../../../gateway/app.js';
import { Connection, type Resume, type Slot } from '../../../../gateway/hub/connection.js';
import { Room } from '../../../../gateway/hub/fanout.js';

/** What a socket was sent: a command's seq, or a message's type. */
type Seen = number | string;

/** uWS's topics, as far as the room uses them: a publish reaches every subscriber but the publishing socket. */
class FakeUws {
  readonly sockets = new Set<FakeWs>();
  numSubscribers(topic: string): number {
    return [...this.sockets].filter((s) => s.topics.has(topic)).length;
  }
  publish(topic: string, msg: string | Buffer, _binary?: boolean, _compress?: boolean, from?: FakeWs): boolean {
    for (const s of this.sockets) if (s !== from && s.topics.has(topic)) s.send(msg);
    return true;
  }
}

class FakeWs {
  readonly seen: Seen[] = [];
  readonly topics = new Set<string>();
  constructor(private readonly uws: FakeUws) {
    uws.sockets.add(this);
  }
  send(msg: string | Buffer): number {
    const m = JSON.parse(msg.toString()) as { seq?: number; type?: string };
    this.seen.push(m.seq ?? m.type!);
    return 1;
  }
  getBufferedAmount(): number {
    return 0;
  }
  subscribe(topic: string): boolean {
    this.topics.add(topic);
    return true;
  }
  unsubscribe(topic: string): boolean {
    return this.topics.delete(topic);
  }
  publish(topic: string, msg: string | Buffer): boolean {
    return this.uws.publish(topic, msg, false, false, this);
  }
  end(): void {}
  close(): void {}
}

const cmd = (seq: number, by = 'cust', a: LoggedCommand['a'] = 'others', k = `top/k${seq}`): LoggedCommand =>
  Object.freeze({ seq, k, op: 'scroll', a, d: { x: seq, y: 0 }, by, t: 1000 + seq });

/** A command as it comes from a Redis publication: its client form as bytes. */
const wired = (c: LoggedCommand): LoggedCommand =>
  parseWireLine(
    `{"s":"S1","e":"E1","c":{"seq":${c.seq},"t":${c.t},${JSON.stringify({ a: c.a, k: c.k, op: c.op, d: c.d, by: c.by }).slice(1)}}`,
  )!.cmd;

/**
 * A log the test drives: each snapshot or range read waits until the test answers it, and
 * commands reach the room's subscription when the test delivers them.
 */
class FakeLog {
  listener: ((e: LogEvent) => void) | null = null;
  private readonly reads: ((answer: Snapshot | RangeResult) => void)[] = [];
  private readonly waiting: (() => void)[] = [];
  snapshot(): Promise<Snapshot> {
    return this.read() as Promise<Snapshot>;
  }
  range(): Promise<RangeResult> {
    return this.read() as Promise<RangeResult>;
  }
  private read(): Promise<Snapshot | RangeResult> {
    return new Promise((resolve) => {
      this.reads.push(resolve);
      for (const w of this.waiting.splice(0)) w();
    });
  }
  /** Answers the oldest read, once it has been made. */
  async answer(value: Snapshot | RangeResult): Promise<void> {
    while (this.reads.length === 0) await new Promise<void>((r) => this.waiting.push(r));
    this.reads.shift()!(value);
    await settle();
  }
  async subscribe(_id: string, _after: number, listener: (e: LogEvent) => void) {
    this.listener = listener;
    return { close: async () => undefined };
  }
  deliver(...cmds: LoggedCommand[]): void {
    for (const c of cmds) this.listener!({ type: 'command', cmd: c });
  }
}

const settle = () => new Promise((r) => setImmediate(r));
const count = { inc: () => undefined, observe: () => undefined };

async function room() {
  const uws = new FakeUws();
  const log = new FakeLog();
  const app = {
    store: { log, directory: { subscribe: async () => ({ close: async () => undefined }), present: async () => [] } },
    metrics: { storeErrors: count, commandsDelivered: count, hubLatency: count, hubClosed: count },
    log: { warn: () => undefined, debug: () => undefined },
    config: { operatorControl: 'always' },
  } as unknown as App;
  const r = new Room(app, uws as unknown as TemplatedApp, 'S1', () => undefined);
  // The room's own start: the head it follows the log from.
  await log.answer({ epoch: 'E1', head: 2, commands: [cmd(1), cmd(2)] });
  await r.ready;
  let ids = 0;
  const join = (participant: string, resume: Resume | null = null) => {
    const info = { id: participant, name: participant, role: 'operator' as const, color: '#fff' };
    const conn = new Connection(++ids, 'S1', info, resume, '127.0.0.1', { epoch: 'E1', head: 2 }, app.metrics);
    const ws = new FakeWs(uws);
    conn.ws = ws as unknown as WebSocket<Slot>;
    r.add(conn);
    return { conn, ws };
  };
  return { r, log, join };
}

t.test(
  'fanout: a join gets the compacted state, replayed, then live commands; what arrived during the replay comes after it',
  async (t) => {
    const { log, join } = await room();
    const { conn, ws } = join('op');
    await settle();
    t.equal(conn.state, 'joining');
    // Delivered while the snapshot is being read: held for the joining socket.
    log.deliver(wired(cmd(3)));
    await log.answer({ epoch: 'E1', head: 2, commands: [cmd(1), cmd(2)] });
    t.equal(conn.state, 'live');
    log.deliver(wired(cmd(4)));
    t.same(ws.seen, ['control', 1, 2, 'replayed', 3, 4], 'each command once, in seq order');
  },
);

t.test('fanout: a replay that ran ahead of this replica waits for delivery to reach its head before going live', async (t) => {
  const { log, join } = await room();
  const { conn, ws } = join('op');
  // The snapshot already holds 3 and 4, which this replica has not delivered yet.
  await log.answer({ epoch: 'E1', head: 4, commands: [cmd(1), cmd(2), cmd(3), cmd(4)] });
  t.equal(conn.state, 'catching-up');
  log.deliver(wired(cmd(3)));
  t.equal(conn.state, 'catching-up');
  log.deliver(wired(cmd(4)));
  t.equal(conn.state, 'live');
  log.deliver(wired(cmd(5)));
  t.same(ws.seen, ['control', 1, 2, 3, 4, 'replayed', 5], 'no command twice, none missed');
});

t.test('fanout: a resume replays exactly what followed since, without the participant\'s own "others" commands', async (t) => {
  const { log, join } = await room();
  const { conn, ws } = join('op', { since: 1, epoch: 'E1' });
  await log.answer({ ok: true, epoch: 'E1', head: 4, commands: [cmd(2), cmd(3, 'op'), cmd(4, 'op', 'all')] });
  log.deliver(wired(cmd(3, 'op')), wired(cmd(4, 'op', 'all')));
  t.equal(conn.state, 'live');
  log.deliver(wired(cmd(5, 'op')), wired(cmd(6, 'op', 'all')), wired(cmd(7)));
  t.same(ws.seen, ['control', 2, 4, 'replayed', 6, 7], 'its own "others" commands are never sent back to it');
});

t.test('fanout: a resume from another epoch gets a reset, then the compacted state', async (t) => {
  const { log, join } = await room();
  const { ws } = join('op', { since: 9, epoch: 'OLD' });
  await log.answer({ ok: false, reason: 'epoch', epoch: 'E1', head: 2 });
  await log.answer({ epoch: 'E1', head: 2, commands: [cmd(1), cmd(2)] });
  t.same(ws.seen, ['reset', 'control', 1, 2, 'replayed']);
});

t.test('fanout: a live "others" command reaches every other socket but not its sender; "all" reaches the sender too', async (t) => {
  const { log, join } = await room();
  const a = join('cust');
  const b = join('op');
  await log.answer({ epoch: 'E1', head: 2, commands: [] });
  await log.answer({ epoch: 'E1', head: 2, commands: [] });
  log.deliver(wired(cmd(3, 'cust')), wired(cmd(4, 'cust', 'all')), cmd(5, 'op'));
  t.same(a.ws.seen, ['control', 'replayed', 4, 5]);
  t.same(b.ws.seen, ['control', 'replayed', 3, 4]);
});
