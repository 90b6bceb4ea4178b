/**
 * The command log on Redis (single server or Cluster). Per session, under one `{sessionId}` hash
 * tag so that the append script runs on one slot (key layout: docs/store.md; on a single Redis
 * APPEND_BATCH_LUA reads the names from each append batch rather than KEYS):
 *   tandem:{id}:meta   hash    epoch, head, status, createdAt, endedAt; hwmHead and hwm:<by>,
 *                              each sender's highest client id (see APPEND_BATCH_LUA)
 *   tandem:{id}:log    stream  entry id `<seq>-0`, field `c` = the command's JSON; XADD MAXLEN ~
 *   tandem:{id}:state  hash    key → latest command JSON (the compacted state)
 *   tandem:{id}:sent   hash    `<by length>:<by>:<c>` → seq (idempotent resends), and
 *   tandem:{id}:sent:old          the generation before it (see APPEND_BATCH_LUA)
 *
 * Publications: lines `{"s":sessionId,"e":epoch,"c":command}` / `{"s":sessionId,"e":epoch,"ended":true}`,
 * one message per append batch. On a single Redis every session shares one channel
 * (SHARED_CHANNEL): one publication per batch whatever the sessions in it, and every replica
 * hears every session, as with Socket.IO's Redis adapters. On a cluster a channel can be heard
 * only on the node of its slot, so each session has its own sharded channel, `tandem:{id}:ch`,
 * and its batches are its own.
 */

import { OPS } from '../protocol/commands.js';
import { LOG_MAX_LEN } from '../protocol/limits.js';
import type { LoggedCommand } from '../protocol/messages.js';
import {
  SessionEndedError,
  UnknownSessionError,
  type AppendInput,
  type AppendResult,
  type CommandLog,
  type LogEvent,
  type LogMeta,
  type RangeResult,
  type Snapshot,
  type Subscription,
} from './command-log.js';
import { deepFreeze, frozenCopy } from './frozen.js';
import { newEpoch } from './ids.js';
import { OrderedSubscription, type Published } from './ordered-subscription.js';
import { parseWireLine } from './wire-command.js';
import type { RedisConnection } from './redis-connection.js';
import { AppendBatches, groupHeader, packAppend, type AppendReply, type SessionTarget } from './redis-append-batches.js';
import { CREATE_LUA, END_LUA } from './redis-scripts.js';

export interface RedisCommandLogOptions {
  /** Approximate stream length per session (`XADD MAXLEN ~`). */
  maxLen?: number;
}

/** The channel every session's commands are published on, on a single Redis. */
export const SHARED_CHANNEL = 'tandem:commands';

export function logKeys(sessionId: string) {
  const tag = `tandem:{${sessionId}}`;
  return {
    meta: `${tag}:meta`,
    log: `${tag}:log`,
    state: `${tag}:state`,
    sent: `${tag}:sent`,
    sentOld: `${tag}:sent:old`,
    channel: `${tag}:ch`,
  };
}

/** A session's five log keys in the order the scripts take them. */
export function logKeyList(sessionId: string): [meta: string, log: string, state: string, sent: string, sentOld: string] {
  const k = logKeys(sessionId);
  return [k.meta, k.log, k.state, k.sent, k.sentOld];
}

const parseCommand = (json: string): LoggedCommand => deepFreeze(JSON.parse(json) as LoggedCommand);

/** The command just logged, as readers of the log will parse it (same keys, same order). */
function newCommand(seq: number, t: number, input: AppendInput): LoggedCommand {
  const cmd = { seq, t, k: input.k, op: input.op, a: input.a } as LoggedCommand;
  if (input.d !== undefined) cmd.d = frozenCopy(input.d);
  cmd.by = input.by;
  return Object.freeze(cmd);
}

/** What an append made of its input, from the script's answer. */
function appendResult(sessionId: string, input: AppendInput, t: number, reply: AppendReply): AppendResult {
  if (typeof reply === 'number') return { cmd: newCommand(reply, t, input), duplicate: false };
  if (reply === 'ended') throw new SessionEndedError(sessionId);
  if (reply === 'unknown') throw new UnknownSessionError(sessionId);
  const [kind, value] = reply;
  if (kind === 'duplicate') return { cmd: parseCommand(value), duplicate: true };
  // The first copy fell off the trimmed stream; its seq is all that is left of it.
  return {
    cmd: Object.freeze({ seq: Number(value), k: input.k, op: input.op, a: input.a, d: frozenCopy(input.d), by: input.by, t: Date.now() }),
    duplicate: true,
  };
}

function toMeta(id: string, flat: string[]): LogMeta | null {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]] = flat[i + 1];
  return hashToMeta(id, h);
}

function hashToMeta(id: string, h: Record<string, string>): LogMeta | null {
  if (!h.epoch) return null;
  const meta: LogMeta = {
    id,
    epoch: h.epoch,
    head: Number(h.head ?? 0),
    status: (h.status as LogMeta['status']) ?? 'active',
    createdAt: Number(h.createdAt ?? 0),
  };
  if (h.endedAt) meta.endedAt = Number(h.endedAt);
  return meta;
}

/** A session channel silent this long is compared with the log (see `watch`). */
const WATCH_MS = 5000;

interface SessionChannel {
  /** The channel the session is published on (SHARED_CHANNEL on a single Redis). */
  name: string;
  subs: Set<OrderedSubscription>;
  /** When this instance last heard a publication of the session. */
  heardAt: number;
  /** Subscriptions holding the session, counted from before they are added to `subs`. */
  users: number;
  /** Settles once the channel is subscribed; gives what unsubscribes it (a no-op for the shared one). */
  joined: Promise<() => Promise<void>>;
}

export class RedisCommandLog implements CommandLog {
  /** This instance's subscribers per session (a cluster: one channel listener each; a single Redis: one for all). */
  private readonly sessions = new Map<string, SessionChannel>();
  /** The subscription of SHARED_CHANNEL (single Redis), made with the first session and kept until close(). */
  private shared: Promise<() => Promise<void>> | null = null;
  private readonly batches: AppendBatches;
  private readonly stopReconnect: () => void;
  private readonly watchdog: NodeJS.Timeout;
  private watching = false;

  constructor(
    private readonly redis: RedisConnection,
    options: RedisCommandLogOptions = {},
  ) {
    this.batches = new AppendBatches(redis, Math.max(1, options.maxLen ?? LOG_MAX_LEN), (id) => this.targetOf(id));
    this.stopReconnect = redis.onReconnect(() => {
      for (const { subs } of this.sessions.values()) for (const sub of subs) sub.resync();
    });
    this.watchdog = setInterval(() => void this.watch(), WATCH_MS);
    this.watchdog.unref();
  }

  async create(sessionId: string): Promise<LogMeta> {
    const flat = (await this.redis.script(CREATE_LUA, logKeyList(sessionId), [newEpoch(), Date.now()])) as string[];
    return toMeta(sessionId, flat)!;
  }

  async meta(sessionId: string): Promise<LogMeta | null> {
    return hashToMeta(sessionId, await this.redis.client.hgetall(logKeys(sessionId).meta));
  }

  /** Batched per loop turn, in order of receipt (see AppendBatches). */
  append(sessionId: string, input: AppendInput): Promise<AppendResult> {
    const spec = OPS[input.op];
    if (!spec) return Promise.reject(new Error(`unknown op ${String(input.op)}`));
    // Everything but seq, serialised once here; the script prefixes `{"seq":N,`.
    // `a` right after t and `by` last: what follows `a` is the client's form as it is (wire-command.ts).
    // Data the client sent as JSON text goes as those bytes (no stringify, no second encoding).
    const t = Date.now();
    const body =
      input.dText && input.d !== undefined
        ? [
            `"t":${t},${JSON.stringify({ a: input.a, k: input.k, op: input.op }).slice(1, -1)},"d":`,
            input.dText,
            `,"by":${JSON.stringify(input.by)}}`,
          ]
        : `"t":${t},${JSON.stringify({ a: input.a, k: input.k, op: input.op, d: input.d, by: input.by }).slice(1)}`;
    const packed = packAppend({
      by: input.by,
      c: input.c ?? '',
      k: input.k,
      body,
      compact: spec.compact,
      retiresBelow: spec.retiresBelow,
      publish: this.publishes(),
    });
    return this.batches.add(sessionId, packed, (reply) => appendResult(sessionId, input, t, reply));
  }

  private targetOf(sessionId: string): SessionTarget {
    // A cluster needs every key a script touches declared; a single Redis builds them in the script.
    const all = logKeyList(sessionId);
    const declared = this.redis.kind === 'redis-cluster';
    return {
      keys: declared ? all : [],
      header: groupHeader(declared ? null : [all[0], all[1], all[2], all[3]], sessionId),
      channel: this.channelOf(sessionId),
    };
  }

  private channelOf(sessionId: string): string {
    return this.redis.kind === 'redis-cluster' ? logKeys(sessionId).channel : SHARED_CHANNEL;
  }

  async range(sessionId: string, since: number, epoch: string): Promise<RangeResult> {
    const k = logKeys(sessionId);
    const from = Math.max(0, Math.floor(since)) + 1;
    const replies = await this.redis.client.multi().hmget(k.meta, 'epoch', 'head').xrange(k.log, `${from}-0`, '+').exec();
    if (!replies) throw new Error('range transaction was aborted');
    for (const [err] of replies) if (err) throw err;
    const [current, headText] = replies[0][1] as [string | null, string | null];
    if (!current) return { ok: false, reason: 'unknown', epoch: '', head: 0 };
    const head = Number(headText ?? 0);
    if (current !== epoch) return { ok: false, reason: 'epoch', epoch: current, head };
    if (from > head) return { ok: true, epoch: current, head, commands: [] };
    const entries = replies[1][1] as [string, string[]][];
    if (entries.length === 0 || entries[0][0] !== `${from}-0`) return { ok: false, reason: 'trimmed', epoch: current, head };
    return { ok: true, epoch: current, head, commands: entries.map(([, fields]) => parseCommand(fields[1])) };
  }

  async snapshot(sessionId: string): Promise<Snapshot> {
    const k = logKeys(sessionId);
    const replies = await this.redis.client.multi().hmget(k.meta, 'epoch', 'head').hvals(k.state).exec();
    if (!replies) throw new Error('snapshot transaction was aborted');
    for (const [err] of replies) if (err) throw err;
    const [epoch, head] = replies[0][1] as [string | null, string | null];
    if (!epoch) throw new UnknownSessionError(sessionId);
    const all = (replies[1][1] as string[]).map(parseCommand).sort((a, b) => a.seq - b.seq);
    const navs = all.filter((c) => c.op === 'nav');
    const rest = all.filter((c) => c.op !== 'nav');
    return { epoch, head: Number(head ?? 0), commands: navs.concat(rest) };
  }

  async entries(sessionId: string): Promise<LoggedCommand[]> {
    const entries = await this.redis.client.xrange(logKeys(sessionId).log, '-', '+');
    return entries.map(([, fields]) => parseCommand(fields[1]));
  }

  async end(sessionId: string, retentionMs: number): Promise<void> {
    // Appends made before this call are waiting for their batch: they go first, as they would
    // have had each left at once.
    await this.batches.settled(sessionId);
    const found = await this.redis.script(END_LUA, logKeyList(sessionId), [
      Math.max(1, Math.round(retentionMs)),
      Date.now(),
      this.redis.publishVerb,
      this.channelOf(sessionId),
      JSON.stringify(sessionId),
    ]);
    if (found === 0) throw new UnknownSessionError(sessionId);
  }

  async subscribe(sessionId: string, after: number, listener: (event: LogEvent) => void, epoch?: string): Promise<Subscription> {
    const channel = this.join(sessionId);
    let meta: LogMeta | null;
    try {
      // Joined before the log is read: nothing published from now on can be missed.
      await channel.joined;
      meta = await this.meta(sessionId);
      if (!meta) throw new UnknownSessionError(sessionId);
    } catch (err) {
      await this.leave(sessionId, channel);
      throw err;
    }
    const sub = new OrderedSubscription(sessionId, epoch ?? meta.epoch, after, this, listener, async (closed) => {
      channel.subs.delete(closed);
      await this.leave(sessionId, channel);
    });
    channel.subs.add(sub);
    sub.resync();
    return sub;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** Closes this log's subscriptions; the connection belongs to the store. */
  async close(): Promise<void> {
    this.stopReconnect();
    clearInterval(this.watchdog);
    const entries = [...this.sessions.values()];
    this.sessions.clear();
    const shared = this.shared;
    this.shared = null;
    await Promise.all([...entries.map((e) => unsubscribe(e.joined)), shared && unsubscribe(shared)]);
  }

  /**
   * Pub/sub can lose messages or a whole subscription without telling anyone (a cluster's
   * sharded subscribers after every node restarted). Every WATCH_MS, each channel that has been
   * silent that long is compared with the log: what was missed is delivered, and a channel that
   * missed something is subscribed again. Costs one meta read per silent session and period.
   */
  private async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      const now = Date.now();
      const lost = new Set<string>();
      await Promise.all(
        [...this.sessions.values()]
          .filter((channel) => now - channel.heardAt >= WATCH_MS)
          .map(async (channel) => {
            const missed = await Promise.all([...channel.subs].map((sub) => sub.check()));
            if (missed.some(Boolean)) lost.add(channel.name);
          }),
      );
      // Once per channel: on a single Redis every session that missed something shares one.
      await Promise.all([...lost].map((name) => this.redis.resubscribe(name)));
    } finally {
      this.watching = false;
    }
  }

  private join(sessionId: string): SessionChannel {
    let channel = this.sessions.get(sessionId);
    if (!channel) {
      const name = this.channelOf(sessionId);
      const entry: SessionChannel = { name, subs: new Set(), heardAt: Date.now(), users: 0, joined: this.listen(name, sessionId) };
      this.sessions.set(sessionId, (channel = entry));
    }
    channel.users++;
    return channel;
  }

  private listen(name: string, sessionId: string): Promise<() => Promise<void>> {
    if (name !== SHARED_CHANNEL) {
      // A session's own channel: its lines are its own (whatever a line says, as in the lines of
      // a replica from before the session id was written in them).
      const joined = this.redis.listen(name, (message) => this.heard(message, sessionId));
      joined.catch(() => undefined);
      return joined;
    }
    if (!this.shared) {
      const shared = this.redis.listen(name, (message) => this.heard(message, null));
      this.shared = shared;
      // A failed subscription is tried again by the next session that joins.
      shared.catch(() => {
        if (this.shared === shared) this.shared = null;
      });
    }
    // Sessions leaving the shared channel do not unsubscribe it: others may still be on it.
    return this.shared.then(() => async () => {});
  }

  private async leave(sessionId: string, channel: SessionChannel): Promise<void> {
    if (--channel.users > 0 || this.sessions.get(sessionId) !== channel) return;
    this.sessions.delete(sessionId);
    await unsubscribe(channel.joined);
  }

  /**
   * A publication: one line per command, each for this replica's subscribers of its session
   * (`only`, on a session's own channel; else the one the line names). Read as bytes: a line of
   * a session with no subscriber here is never decoded, and a command's client form is copied
   * out of its line as it is (wire-command.ts).
   */
  private heard(message: Buffer, only: string | null): void {
    let at = 0;
    while (at < message.length) {
      let end = message.indexOf(NEWLINE, at);
      if (end < 0) end = message.length;
      const start = at;
      at = end + 1;
      const channel = this.sessions.get(only ?? sessionOf(message, start, end) ?? '');
      if (!channel) continue;
      const published = parsePublished(message, start, end);
      if (!published) continue;
      channel.heardAt = Date.now();
      for (const sub of channel.subs) sub.push(published);
    }
  }

  /** Whether this append is published (a seam for tests to lose one publication). */
  protected publishes(): boolean {
    return true;
  }
}

const NEWLINE = 0x0a;
const LINE_START = Buffer.from('{"s":"');
const EPOCH_AT = Buffer.from('","e":');

/**
 * The session of the publication line m[start, end), `{"s":<id as JSON>,"e":...`, read without
 * decoding the rest (on a single Redis most lines may be of sessions with no subscriber here).
 * Inside a JSON string every quote is escaped, so the first `","e":` after the id is where the
 * id ends.
 */
function sessionOf(m: Buffer, start: number, end: number): string | null {
  if (end - start < LINE_START.length || LINE_START.compare(m, start, start + LINE_START.length) !== 0) return null;
  const idAt = start + LINE_START.length;
  const idEnd = m.indexOf(EPOCH_AT, idAt);
  if (idEnd < 0 || idEnd >= end) return null;
  const id = m.toString('utf8', idAt, idEnd);
  if (!id.includes('\\')) return id;
  try {
    return JSON.parse(m.toString('utf8', idAt - 1, idEnd + 1)) as string;
  } catch {
    return null;
  }
}

async function unsubscribe(joined: Promise<() => Promise<void>>): Promise<void> {
  await (
    await joined.catch(() => async () => {})
  )();
}

function parsePublished(m: Buffer, start: number, end: number): Published | null {
  const wire = parseWireLine(m, start, end);
  if (wire) return wire;
  try {
    const p = JSON.parse(m.toString('utf8', start, end)) as { e?: unknown; c?: LoggedCommand; ended?: boolean };
    if (typeof p.e !== 'string') return null;
    if (p.ended) return { epoch: p.e, ended: true };
    if (p.c && typeof p.c.seq === 'number') return { epoch: p.e, cmd: deepFreeze(p.c) };
  } catch {
    // Not ours: ignore.
  }
  return null;
}
