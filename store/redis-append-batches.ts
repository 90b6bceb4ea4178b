/**
 * How appends leave a replica for Redis: in batches, one script call each (APPEND_BATCH_LUA).
 *
 * Appends wait in a queue per session. Once per turn of the event loop, every session that has
 * appends waiting and no call in flight joins ONE call (on a cluster, where a script may only
 * touch one slot, one call per session). So:
 *  - Redis and ioredis pay their per-call cost, and Redis its publication, once per batch, not
 *    once per command: under load batches grow and the cost per command falls, where one call
 *    per command queued up instead (measured in bench/hub.ts; see README "Benchmarks").
 *  - A session never has two calls in flight, so its appends keep their order of receipt even
 *    when a call is sent twice (EVALSHA answered NOSCRIPT, then EVAL) or a cluster slot moves:
 *    with a session's calls pipelined, a retried earlier batch could land after a later one.
 *  - Other sessions do not have to wait for that call: when Redis is slow to answer and enough
 *    appends of sessions not in flight are waiting, they leave in a call of their own (see
 *    MAX_CALLS_IN_FLIGHT). With one call in flight for all sessions, a slow answer capped the
 *    whole replica at one batch per round trip.
 *
 * Each append succeeds or fails alone (the script runs each under pcall): Redis does not undo a
 * script's writes, so failing a whole batch for one bad append would report appends as failed
 * that are in fact logged.
 */

import { APPEND_BATCH_LUA } from './redis-scripts.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * Packs one append for APPEND_BATCH_LUA (`>B B B I4c0 I4c0 I4c0 I4c0 I4c0`): compact, retiresBelow
 * and publish, then the sender's mark field in the meta (`hwm:<by>`), c, the field of (by, c) in
 * sent (`<by length>:<by>:<c>`, '' without c), k and the body, the command's JSON after
 * `{"seq":N,` (starting with `"t":T,`), given in pieces: text, or bytes copied as they are (the
 * data as the client sent it). Names are made here, not in the script: each Lua string costs
 * Redis an allocation and a hash.
 */
export function packAppend(a: {
  by: string;
  c: string;
  k: string;
  body: string | readonly (string | Uint8Array)[];
  compact: boolean;
  retiresBelow: boolean;
  publish: boolean;
}): Buffer {
  const by = Buffer.byteLength(a.by);
  const c = Buffer.byteLength(a.c);
  const field = c > 0 ? `${by}:${a.by}:${a.c}` : '';
  const mark = 4 + by;
  const fieldBytes = c > 0 ? Buffer.byteLength(field) : 0;
  const k = Buffer.byteLength(a.k);
  const pieces = typeof a.body === 'string' ? [a.body] : a.body;
  let body = 0;
  for (const p of pieces) body += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const buf = Buffer.allocUnsafe(23 + mark + c + fieldBytes + k + body);
  buf[0] = a.compact ? 1 : 0;
  buf[1] = a.retiresBelow ? 1 : 0;
  buf[2] = a.publish ? 1 : 0;
  let at = buf.writeUInt32BE(mark, 3);
  at += buf.write('hwm:', at);
  at += buf.write(a.by, at);
  at = buf.writeUInt32BE(c, at);
  at += buf.write(a.c, at);
  at = buf.writeUInt32BE(fieldBytes, at);
  at += buf.write(field, at);
  at = buf.writeUInt32BE(k, at);
  at += buf.write(a.k, at);
  at = buf.writeUInt32BE(body, at);
  for (const p of pieces) {
    if (typeof p === 'string') at += buf.write(p, at);
    else {
      buf.set(p, at);
      at += p.length;
    }
  }
  return buf;
}

/**
 * The group header of a session for APPEND_BATCH_LUA after its count (`I4c0 I4c0 I4c0 I4c0 I4c0`):
 * its meta, log, state and sent (empty when the call declares them: a cluster's KEYS; the script
 * names sent:old after sent) and the start of its publication lines, `{"s":<session id as JSON>,"e":"`.
 */
export function groupHeader(keys: readonly [meta: string, log: string, state: string, sent: string] | null, sessionId: string): Buffer {
  const texts = [...(keys ?? ['', '', '', '']), `{"s":${JSON.stringify(sessionId)},"e":"`];
  let size = 0;
  for (const text of texts) size += 4 + Buffer.byteLength(text);
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  for (const text of texts) {
    const n = buf.write(text, at + 4);
    buf.writeUInt32BE(n, at);
    at += 4 + n;
  }
  return buf;
}

/** One call's packed appends: per group its count (`>I4`), its header (groupHeader) and its appends (packAppend). */
export function packBatch(groups: readonly { header: Buffer; appends: readonly Buffer[] }[]): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const { header, appends } of groups) {
    const count = Buffer.allocUnsafe(4);
    count.writeUInt32BE(appends.length, 0);
    parts.push(count, header);
    size += 4 + header.length;
    for (const a of appends) {
      parts.push(a);
      size += a.length;
    }
  }
  return Buffer.concat(parts, size);
}

/** The answer for one append: its seq, or why it was not appended. */
export type AppendReply = number | 'unknown' | 'ended' | [kind: 'duplicate' | 'duplicate-trimmed', value: string];

/** What the script answers per append: an AppendReply, or the error of an append that failed. */
type ScriptReply = AppendReply | [kind: 'error', message: string];

/**
 * Where a session's appends go: its five keys (declared on a cluster; on a single Redis the
 * script builds them from the key prefix and none are sent), the group header of
 * APPEND_BATCH_LUA after its count (groupHeader) and the channel it is published on.
 */
export interface SessionTarget {
  keys: readonly [meta: string, log: string, state: string, sent: string, sentOld: string] | readonly [];
  header: Buffer;
  channel: string;
}

interface Waiting {
  packed: Buffer;
  answer(reply: AppendReply): void;
  fail(err: unknown): void;
  /** Called once this append is answered (see settled()). */
  onSettled?: (() => void)[];
}

interface SessionQueue {
  readonly id: string;
  readonly target: SessionTarget;
  queue: Waiting[];
  /** The appends of this session in the call in flight, or null. */
  sent: Waiting[] | null;
}

/**
 * Sessions whose queue (and target) is kept while idle, so that a session's keys are not built
 * again for every command; past it, the idle ones are dropped.
 */
const KEPT_SESSIONS = 10_000;

/**
 * Calls in flight at once on a single Redis. While one is out, the next waits for its answer
 * unless EARLY_CALL_APPENDS appends are waiting: every call costs both sides a wake-up, so at
 * moderate rates fewer, larger calls cost less CPU, while under heavy load a second call keeps
 * the replica from being capped at one batch per round trip. (bench/hub.ts, 500 sessions × 30/s,
 * four interleaved runs each: this rule gave p99 9–27 ms at 45–51 µs of hub CPU per command; one
 * call at a time 14–46 ms at 46–50 µs; four at once with no threshold 11–63 ms at 50–52 µs.)
 */
const MAX_CALLS_IN_FLIGHT = 4;
const EARLY_CALL_APPENDS = 64;

/**
 * Bound one call: Redis blocks every other client while a script runs, and on a single Redis
 * every replica receives every call's publication (its output buffer for a subscriber is
 * limited: 32 MB by default). A command is at most 64 KiB, so the size bound alone would allow
 * 16 MB; the length bound (in UTF-16 units, about bytes) keeps a call near 1 MB.
 */
const MAX_BATCH = 256;
const MAX_BATCH_CHARS = 1024 * 1024;

/** An append the script could not carry out (a key of the wrong type, say); the others stand. */
export class AppendFailedError extends Error {}

export class AppendBatches {
  private readonly sessions = new Map<string, SessionQueue>();
  /** Sessions with appends waiting and no call in flight. */
  private readonly ready = new Set<SessionQueue>();
  private flushing = false;
  /** Calls sent and not answered yet. */
  private inFlight = 0;
  private readonly onePerSession: boolean;
  private readonly maxInFlight: number;
  private sweepAt = KEPT_SESSIONS;

  constructor(
    private readonly redis: RedisConnection,
    private readonly maxLen: number,
    private readonly targetOf: (sessionId: string) => SessionTarget,
  ) {
    this.onePerSession = redis.kind === 'redis-cluster';
    // A cluster's calls go to the nodes of their sessions' slots: each session still has one at most.
    this.maxInFlight = this.onePerSession ? Infinity : MAX_CALLS_IN_FLIGHT;
  }

  /** Queues one packed append (packAppend); `map` turns the script's answer into the caller's result. */
  add<T>(sessionId: string, packed: Buffer, map: (reply: AppendReply) => T): Promise<T> {
    let s = this.sessions.get(sessionId);
    if (!s) {
      if (this.sessions.size >= this.sweepAt) {
        this.forgetIdle();
        // Swept again only once the map has doubled: with every session busy, sweeping for each
        // new one would cost a pass over all of them per append.
        this.sweepAt = Math.max(KEPT_SESSIONS, this.sessions.size * 2);
      }
      this.sessions.set(sessionId, (s = { id: sessionId, target: this.targetOf(sessionId), queue: [], sent: null }));
    }
    const session = s;
    return new Promise<T>((resolve, reject) => {
      session.queue.push({
        packed,
        answer: (reply) => {
          try {
            resolve(map(reply));
          } catch (err) {
            reject(err);
          }
        },
        fail: reject,
      });
      // Also while a call is out: enough appends waiting send the next call early (see flush()).
      if (session.sent === null) this.markReady(session);
    });
  }

  /** Resolves once every append of this session made so far has been answered (see end()). */
  settled(sessionId: string): Promise<void> {
    const s = this.sessions.get(sessionId);
    const last = s?.queue.at(-1) ?? s?.sent?.at(-1);
    if (!last) return Promise.resolve();
    return new Promise((resolve) => (last.onSettled ??= []).push(resolve));
  }

  private markReady(session: SessionQueue): void {
    this.ready.add(session);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    // The end of this loop turn, so that the other messages already read from the sockets go in
    // the same call.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    if (this.inFlight > 0 && !this.onePerSession) {
      // A call is out: the appends waiting join the next one, unless there are enough of them
      // (see MAX_CALLS_IN_FLIGHT).
      let waiting = 0;
      for (const session of this.ready) waiting += session.queue.length;
      if (waiting < EARLY_CALL_APPENDS) return;
    }
    let call: SessionQueue[] = [];
    let size = 0;
    let bytes = 0;
    for (const session of this.ready) {
      // (Checked between calls only: a call being gathered is not counted yet.)
      if (this.inFlight >= this.maxInFlight) break;
      this.ready.delete(session);
      // A session with more waiting than fits keeps the rest for its next call.
      let take = 0;
      while (take < session.queue.length && size < MAX_BATCH && (take === 0 || bytes < MAX_BATCH_CHARS)) {
        bytes += session.queue[take++].packed.length;
        size++;
      }
      session.sent = session.queue.splice(0, take);
      call.push(session);
      if (this.onePerSession || size >= MAX_BATCH || bytes >= MAX_BATCH_CHARS) {
        this.send(call);
        call = [];
        size = 0;
        bytes = 0;
      }
    }
    if (call.length > 0) this.send(call);
  }

  private send(call: SessionQueue[]): void {
    this.inFlight++;
    const keys: string[] = [];
    for (const { target } of call) if (target.keys.length > 0) keys.push(...target.keys);
    const packed = packBatch(call.map(({ target, sent }) => ({ header: target.header, appends: sent!.map((a) => a.packed) })));
    // On a single Redis every session shares the channel; on a cluster the call has one session.
    const channel = call[0].target.channel;
    this.redis.script(APPEND_BATCH_LUA, keys, [this.maxLen, this.redis.publishVerb, channel, packed]).then(
      (replies) => {
        const list = replies as (ScriptReply | undefined)[];
        let i = 0;
        for (const session of call) {
          for (const a of session.sent!) {
            const r = list[i++];
            if (r === undefined) answer(a, null, new AppendFailedError('Redis refused the append: malformed append batch'));
            else if (Array.isArray(r) && r[0] === 'error') answer(a, null, new AppendFailedError(`Redis refused the append: ${r[1]}`));
            else answer(a, r as AppendReply);
          }
          this.done(session);
        }
        this.answered();
      },
      (err: unknown) => {
        // The call failed as a whole (Redis unreachable, a timeout): what waits behind it would
        // most likely fail the same way, later, after piling up. It fails now, and the hub tells
        // each sender to resend (their client ids keep a resend from being logged twice).
        for (const session of call) {
          for (const a of session.sent!) answer(a, null, err);
          for (const a of session.queue.splice(0)) answer(a, null, err);
          this.done(session);
        }
        this.answered();
      },
    );
  }

  private done(session: SessionQueue): void {
    session.sent = null;
    if (session.queue.length > 0) this.markReady(session);
  }

  private answered(): void {
    this.inFlight--;
    if (this.ready.size > 0) this.scheduleFlush();
  }

  private forgetIdle(): void {
    for (const [id, s] of this.sessions) if (s.sent === null && s.queue.length === 0) this.sessions.delete(id);
  }
}

/** Settles one append; a throwing caller must not stop the others being answered. */
function answer(a: Waiting, reply: AppendReply | null, err?: unknown): void {
  try {
    if (reply === null) a.fail(err);
    else a.answer(reply);
  } catch {
    // The caller's own bug; the batch goes on.
  }
  if (a.onSettled) for (const f of a.onSettled) f();
}
