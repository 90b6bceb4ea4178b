/**
 * Fan-out of a session's log to this replica's sockets. One Room per session per replica holds
 * the one store subscription and the one presence subscription that all local sockets of the
 * session share; commands go out in the order the store published them, serialized once and
 * published once on a uWS topic.
 *
 * Joining without loss or doubling: a joining socket first buffers live commands, then gets the
 * replay (snapshot or range), then the buffered commands past the replay's head, then joins the
 * topic. If the replay ran ahead of this replica's delivery, the socket waits ("catching up")
 * until delivery reaches the replay's head before it joins the topic.
 */

import type { TemplatedApp } from 'uWebSockets.js';
import { BACKPRESSURE_LIMIT_BYTES, CLOSE_ENDED } from '../../protocol/limits.js';
import type { LoggedCommand } from '../../protocol/messages.js';
import { SessionEndedError, UnknownSessionError, type LogEvent, type Subscription } from '../../store/command-log.js';
import type { BusSubscription } from '../../store/directory.js';
import { wireOf } from '../../store/wire-command.js';
import type { App } from '../app.js';
import { controlMessage, grantIn, grantOf } from './control.js';
import type { Connection } from './connection.js';

/** Close code for a replica that lost its store: the client reconnects (maybe elsewhere). */
const CLOSE_STORE = 1011;
/** A replay read that takes longer fails the join (1011, the client reconnects) rather than hang it. */
const REPLAY_READ_TIMEOUT_MS = 5000;
/** Live commands held for one replaying socket before it counts as a slow consumer. */
const MAX_JOIN_BUFFER_BYTES = 4 * BACKPRESSURE_LIMIT_BYTES;

/**
 * The client's form of a command: the bytes cut from the store's publication where it came from
 * one (no decoding, no parse, no stringify, and uWS sends the bytes as they are).
 */
export function serializeCommand(cmd: LoggedCommand): string | Buffer {
  const wire = wireOf(cmd) ?? serialized.get(cmd);
  if (wire !== undefined) return wire;
  const text = JSON.stringify({ seq: cmd.seq, k: cmd.k, op: cmd.op, d: cmd.d, by: cmd.by, t: cmd.t });
  serialized.set(cmd, text);
  return text;
}

/**
 * The client form of a command the memory store keeps (frozen, so the form never changes): made
 * once at delivery, not again for every joiner's replay, which re-sent a 1 MB page's 4 MB
 * snapshot and 2,000 changes through JSON.stringify each time (a third of a join's hub time).
 */
const serialized = new WeakMap<LoggedCommand, string>();

/** The session is over for this socket (it ended, or its operator left): told so, then closed. */
function endFor(conn: Connection, reason: string): void {
  conn.send('{"type":"ended"}');
  conn.end(CLOSE_ENDED, reason, 'ended');
}

/** `p`, or a rejection naming `what` once `ms` have passed without an answer. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function presenceTopic(sessionId: string): string {
  return `presence:${sessionId}`;
}

/** What the presence topic carries: whose presence changed, or which operator left (Leave). */
export interface PresenceEvent {
  changed?: string;
  left?: string;
}

type ReplayMode = 'fresh' | 'resume' | 'reset';

export class Room {
  readonly topic: string;
  readonly conns = new Set<Connection>();
  private readonly joining = new Set<Connection>();
  private readonly catchingUp = new Set<Connection>();
  /** Epoch and last seq delivered to local sockets. */
  epoch = '';
  position = 0;
  granted = false;
  ended = false;
  isReady = false;
  private closed = false;
  readonly ready: Promise<void>;
  private sub: Subscription | null = null;
  private presenceSub: BusSubscription | null = null;
  private presenceReading = false;
  private presenceDirty = false;
  /** Receipt times of commands appended here whose delivery has not been seen yet (hubLatency). */
  private readonly receipts = new Map<number, number>();

  constructor(
    private readonly app: App,
    private readonly uws: TemplatedApp,
    readonly sessionId: string,
    private readonly onFailed: (room: Room) => void,
  ) {
    this.topic = `s/${sessionId}`;
    this.ready = this.start();
    this.ready.catch((err: unknown) => this.fail(err));
  }

  private async start(): Promise<void> {
    const { log, directory } = this.app.store;
    // The snapshot gives the grant and a consistent head to subscribe after.
    const snap = await log.snapshot(this.sessionId);
    this.epoch = snap.epoch;
    this.position = snap.head;
    this.granted = grantIn(snap.commands);
    const sub = await log.subscribe(this.sessionId, snap.head, (e) => this.onEvent(e));
    const presenceSub = await directory
      .subscribe(presenceTopic(this.sessionId), (e) => this.onPresence(e as PresenceEvent | null))
      .catch(async (err: unknown) => {
        await sub.close();
        throw err;
      });
    this.sub = sub;
    this.presenceSub = presenceSub;
    if (this.closed) return this.releaseSubscriptions();
    this.isReady = true;
  }

  private fail(err: unknown): void {
    this.onFailed(this);
    const gone = err instanceof UnknownSessionError || err instanceof SessionEndedError;
    if (!gone) {
      this.app.metrics.storeErrors.inc();
      this.app.log.warn({ err, session: this.sessionId }, 'hub: could not follow the session log');
    }
    for (const conn of [...this.conns]) {
      if (gone) endFor(conn, 'session ended');
      else conn.end(CLOSE_STORE, 'store unavailable', 'store');
    }
  }

  add(conn: Connection): void {
    this.conns.add(conn);
    void this.replay(conn, conn.resume ? 'resume' : 'fresh');
  }

  remove(conn: Connection): void {
    this.conns.delete(conn);
    this.joining.delete(conn);
    this.catchingUp.delete(conn);
  }

  private onPresence(e: PresenceEvent | null): void {
    // An operator pressed Leave (in any tab, through any replica): every socket of theirs ends,
    // as the one in the tab where they pressed it did.
    if (typeof e?.left === 'string') {
      for (const conn of this.localOf(e.left)) {
        endFor(conn, 'left the session');
      }
    }
    this.refreshPresence();
  }

  /** Local sockets of a participant (usually one). */
  localOf(participant: string): Connection[] {
    const found: Connection[] = [];
    for (const c of this.conns) if (c.participant === participant) found.push(c);
    return found;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.releaseSubscriptions();
  }

  private async releaseSubscriptions(): Promise<void> {
    const subs = [this.sub, this.presenceSub];
    this.sub = null;
    this.presenceSub = null;
    await Promise.all(subs.map((s) => s?.close().catch(() => undefined)));
  }

  /** Records when a command appended from here was received, for the hub latency metric. */
  appended(seq: number, receivedAt: number): void {
    if (seq <= this.position) {
      this.app.metrics.hubLatency.observe((performance.now() - receivedAt) / 1000);
      return;
    }
    if (this.receipts.size > 10_000) this.receipts.clear();
    this.receipts.set(seq, receivedAt);
  }

  private onEvent(e: LogEvent): void {
    if (this.closed) return;
    if (e.type === 'command') return this.deliver(e.cmd);
    if (e.type === 'reset') {
      this.epoch = e.epoch;
      this.position = e.head;
      this.receipts.clear();
      for (const conn of [...this.conns]) void this.replay(conn, 'reset');
      return;
    }
    this.ended = true;
    for (const conn of [...this.conns]) {
      endFor(conn, 'session ended');
    }
  }

  private deliver(cmd: LoggedCommand): void {
    this.position = cmd.seq;
    const msg = serializeCommand(cmd);
    const others = cmd.a === 'others';

    for (const conn of this.joining) {
      conn.buffer.push({ seq: cmd.seq, msg, by: cmd.by, others });
      conn.bufferBytes += msg.length;
      if (conn.bufferBytes > MAX_JOIN_BUFFER_BYTES) conn.slow();
    }

    let recipients = this.uws.numSubscribers(this.topic);
    // The sender's sockets on the topic, counted without an array per command.
    let sender: Connection | null = null;
    let senders = 0;
    if (others) {
      for (const c of this.conns) {
        if (c.participant === cmd.by && c.subscribed && !c.closing) {
          sender = c;
          senders++;
        }
      }
    }
    if (senders === 1) {
      // Publishing through the sender's own socket is how uWS leaves it out, at no cost.
      sender!.ws!.publish(this.topic, msg, false, false);
      recipients -= 1;
    } else if (senders === 0) {
      this.uws.publish(this.topic, msg, false, false);
    } else {
      recipients = 0;
      for (const conn of this.conns) {
        if (conn.subscribed && conn.participant !== cmd.by) {
          conn.send(msg);
          recipients++;
        }
      }
    }

    // Copied before the loop (goLive deletes from it), only when someone is catching up.
    if (this.catchingUp.size > 0) {
      for (const conn of [...this.catchingUp]) {
        if (cmd.seq > conn.replayHead && !(others && conn.participant === cmd.by)) {
          conn.send(msg);
          recipients++;
        }
        if (cmd.seq >= conn.replayHead) this.goLive(conn);
      }
    }
    this.app.metrics.commandsDelivered.inc(recipients);

    const receivedAt = this.receipts.get(cmd.seq);
    if (receivedAt !== undefined) {
      this.receipts.delete(cmd.seq);
      this.app.metrics.hubLatency.observe((performance.now() - receivedAt) / 1000);
    }

    const grant = grantOf(cmd);
    if (grant !== null && grant !== this.granted) {
      this.granted = grant;
      const control = controlMessage(this.app.config.operatorControl, grant);
      for (const conn of this.conns) conn.send(control);
    }
  }

  private goLive(conn: Connection): void {
    this.catchingUp.delete(conn);
    if (conn.closing || !conn.ws) return;
    conn.ws.subscribe(this.topic);
    conn.subscribed = true;
    conn.state = 'live';
  }

  /**
   * Sends a socket its replay, then what arrived meanwhile, then puts it on the topic. Run on
   * join, and again for every socket when the store says the numbering started over.
   */
  private async replay(conn: Connection, mode: ReplayMode): Promise<void> {
    const generation = ++conn.generation;
    const stale = () => conn.closing || conn.generation !== generation;
    if (conn.subscribed && conn.ws && !conn.closing) conn.ws.unsubscribe(this.topic);
    conn.subscribed = false;
    this.catchingUp.delete(conn);
    conn.state = 'joining';
    conn.buffer = [];
    conn.bufferBytes = 0;
    this.joining.add(conn);
    try {
      await within(this.ready, REPLAY_READ_TIMEOUT_MS, 'following the session log');
      if (stale()) return;
      const { log } = this.app.store;
      let reset = mode === 'reset';
      let replay: { epoch: string; head: number; commands: LoggedCommand[] } | null = null;
      let ownOthersHidden = false;
      if (mode === 'resume' && conn.resume) {
        const r = await within(log.range(this.sessionId, conn.resume.since, conn.resume.epoch), REPLAY_READ_TIMEOUT_MS, 'the range read');
        if (r.ok) {
          replay = r;
          // A resuming client already applied its own "others" commands; live delivery never echoes them either.
          ownOthersHidden = true;
        } else reset = true;
      }
      if (!replay) {
        replay = await within(log.snapshot(this.sessionId), REPLAY_READ_TIMEOUT_MS, 'the snapshot read');
        if (replay.epoch === this.epoch) this.granted = grantIn(replay.commands);
      }
      if (stale()) return;

      if (reset) conn.send(JSON.stringify({ type: 'reset', epoch: replay.epoch, head: replay.head }));
      conn.send(controlMessage(this.app.config.operatorControl, this.granted));
      for (const cmd of replay.commands) {
        if (ownOthersHidden && cmd.a === 'others' && cmd.by === conn.participant) continue;
        conn.send(serializeCommand(cmd));
        if (conn.buffered() > BACKPRESSURE_LIMIT_BYTES / 2) {
          await conn.drained();
          if (stale()) return;
        }
      }
      conn.send(JSON.stringify({ type: 'replayed', head: replay.head }));

      this.joining.delete(conn);
      for (const b of conn.buffer) {
        if (b.seq > replay.head && !(b.others && b.by === conn.participant)) conn.send(b.msg);
      }
      conn.buffer = [];
      conn.bufferBytes = 0;
      if (this.position >= replay.head) this.goLive(conn);
      else {
        conn.state = 'catching-up';
        conn.replayHead = replay.head;
        this.catchingUp.add(conn);
      }
    } catch (err) {
      this.joining.delete(conn);
      if (stale()) return;
      if (err instanceof UnknownSessionError || err instanceof SessionEndedError) {
        endFor(conn, 'session ended');
        return;
      }
      this.app.metrics.storeErrors.inc();
      this.app.log.warn({ err, session: this.sessionId }, 'hub: replay failed');
      conn.end(CLOSE_STORE, 'store unavailable', 'store');
    }
  }

  /** Re-reads who is present and tells every local socket; overlapping changes coalesce into one read. */
  refreshPresence(): void {
    if (this.closed) return;
    if (this.presenceReading) {
      this.presenceDirty = true;
      return;
    }
    this.presenceReading = true;
    this.presenceDirty = false;
    this.app.store.directory
      .present(this.sessionId)
      .then(
        (participants) => {
          const msg = JSON.stringify({ type: 'presence', participants });
          for (const conn of this.conns) conn.send(msg);
        },
        (err: unknown) => {
          this.app.metrics.storeErrors.inc();
          this.app.log.warn({ err, session: this.sessionId }, 'hub: presence read failed');
        },
      )
      .finally(() => {
        this.presenceReading = false;
        if (this.presenceDirty) this.refreshPresence();
      });
  }
}

/** This replica's rooms, created on a session's first local socket and dropped after its last. */
export class Rooms {
  private readonly rooms = new Map<string, Room>();
  /** Presence updates in flight, awaited on shutdown so nobody stays listed after we leave. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly app: App,
    private readonly uws: TemplatedApp,
  ) {}

  get(sessionId: string): Room | undefined {
    return this.rooms.get(sessionId);
  }

  join(conn: Connection): Room {
    let room = this.rooms.get(conn.session);
    if (!room) {
      room = new Room(this.app, this.uws, conn.session, (failed) => {
        if (this.rooms.get(failed.sessionId) === failed) this.rooms.delete(failed.sessionId);
      });
      this.rooms.set(conn.session, room);
    }
    room.add(conn);
    const joined = room;
    this.track(
      joined.ready.then(
        async () => {
          if (conn.closed) return;
          await this.app.store.directory.setPresent(conn.session, conn.info, true);
          await this.app.store.directory.publish(presenceTopic(conn.session), { changed: conn.participant });
        },
        // The room reports its own failure and closes its sockets.
        () => undefined,
      ),
    );
    return room;
  }

  leave(conn: Connection): void {
    const room = this.rooms.get(conn.session);
    if (!room || !room.conns.has(conn)) return;
    room.remove(conn);
    if (room.localOf(conn.participant).length === 0) {
      this.track(
        (async () => {
          await this.app.store.directory.setPresent(conn.session, conn.info, false);
          await this.app.store.directory.publish(presenceTopic(conn.session), { changed: conn.participant });
        })(),
      );
    }
    if (room.conns.size === 0) {
      this.rooms.delete(conn.session);
      void room.close();
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => {
      this.app.metrics.storeErrors.inc();
      this.app.log.warn({ err }, 'hub: presence update failed');
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Waits for presence updates in flight and drops every room. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.pending]);
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    await Promise.all(rooms.map((r) => r.close()));
  }
}
