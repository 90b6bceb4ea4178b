/**
 * How appends leave a replica for Redis: in batches, one script call each (APPEND_BATCH_LUA).
 *
 * Every append made during one turn of the event loop joins a lane's queue; the lane sends its
 * queue as ONE call, and while that call is in flight the next batch gathers. So:
 *  - Redis and ioredis pay their per-call cost once per batch, not once per command: under load
 *    batches grow and the cost per command falls, where one call per command queued up instead
 *    (measured in bench/hub.ts; see README "Benchmarks").
 *  - A lane never has two calls in flight, so appends keep their order of receipt even when a call
 *    is sent twice (EVALSHA answered NOSCRIPT, then EVAL) or a cluster slot moves: with calls
 *    pipelined, a retried earlier batch could land after a later one.
 *
 * On a single Redis there is one lane for every session. On a cluster a script may only touch one
 * slot, so each session has a lane of its own (its keys share its `{sessionId}` hash tag).
 *
 * Each append succeeds or fails alone (the script runs each under pcall): Redis does not undo a
 * script's writes, so failing a whole batch for one bad append would report appends as failed
 * that are in fact logged.
 */

import { APPEND_BATCH_LUA } from './redis-scripts.js';
import type { RedisConnection } from './redis-connection.js';

/** One append, ready for the script (APPEND_BATCH_LUA). */
export interface QueuedAppend {
  /** The session's meta, log, state and sent keys. */
  keys: readonly [string, string, string, string];
  /** The append packed as the script reads it: header line, then by, c, k and body. */
  packed: string;
}

/** Packs one append for APPEND_BATCH_LUA. `body` is the command's JSON after `{"seq":N,"t":T,`. */
export function packAppend(a: {
  by: string;
  c: string;
  k: string;
  body: string;
  compact: boolean;
  retiresBelow: boolean;
  publish: boolean;
  t: number;
}): string {
  const flags = `${a.compact ? 1 : 0}${a.retiresBelow ? 1 : 0}${a.publish ? 1 : 0}`;
  const lengths = `${Buffer.byteLength(a.by)} ${Buffer.byteLength(a.c)} ${Buffer.byteLength(a.k)} ${Buffer.byteLength(a.body)}`;
  return `${lengths} ${flags} ${a.t}\n${a.by}${a.c}${a.k}${a.body}`;
}

/** The answer for one append: its seq, or why it was not appended. */
export type AppendReply = number | 'unknown' | 'ended' | [kind: 'duplicate' | 'duplicate-trimmed', value: string];

/** What the script answers per append: an AppendReply, or the error of an append that failed. */
type ScriptReply = AppendReply | [kind: 'error', message: string];

interface Waiting extends QueuedAppend {
  resolve(reply: AppendReply): void;
  reject(err: unknown): void;
}

interface Lane {
  queue: Waiting[];
  busy: boolean;
  /** Settles once the latest append added to the lane has been answered. */
  last: Promise<unknown>;
}

/** Bounds one call: Redis blocks every other client while a script runs. */
const MAX_BATCH = 256;

/** An append the script could not carry out (a key of the wrong type, say); the others stand. */
export class AppendFailedError extends Error {}

export class AppendBatches {
  private readonly lanes = new Map<string, Lane>();
  private readonly perSession: boolean;

  constructor(
    private readonly redis: RedisConnection,
    private readonly maxLen: number,
  ) {
    this.perSession = redis.kind === 'redis-cluster';
  }

  add(sessionId: string, append: QueuedAppend): Promise<AppendReply> {
    const name = this.laneOf(sessionId);
    let lane = this.lanes.get(name);
    if (!lane) this.lanes.set(name, (lane = { queue: [], busy: false, last: Promise.resolve() }));
    const idle = !lane.busy && lane.queue.length === 0;
    const reply = new Promise<AppendReply>((resolve, reject) => lane.queue.push({ ...append, resolve, reject }));
    lane.last = reply.catch(() => undefined);
    // The first append of a quiet lane waits for the end of this loop turn, so that the other
    // messages already read from the sockets go in the same call.
    if (idle) setImmediate(() => this.send(name, lane));
    return reply;
  }

  /** Resolves once every append of this session made so far has been answered (see end()). */
  settled(sessionId: string): Promise<unknown> {
    return this.lanes.get(this.laneOf(sessionId))?.last ?? Promise.resolve();
  }

  private laneOf(sessionId: string): string {
    return this.perSession ? sessionId : '';
  }

  private send(name: string, lane: Lane): void {
    if (lane.busy) return;
    if (lane.queue.length === 0) {
      if (this.lanes.get(name) === lane) this.lanes.delete(name);
      return;
    }
    const batch = lane.queue.splice(0, MAX_BATCH);
    lane.busy = true;
    const keys = new Array<string>(batch.length * 4);
    const packed = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const k = batch[i].keys;
      keys[i * 4] = k[0];
      keys[i * 4 + 1] = k[1];
      keys[i * 4 + 2] = k[2];
      keys[i * 4 + 3] = k[3];
      packed[i] = batch[i].packed;
    }
    this.redis.script(APPEND_BATCH_LUA, keys, [this.maxLen, this.redis.publishVerb, packed.join('')]).then(
      (replies) => {
        try {
          const list = replies as ScriptReply[];
          for (let i = 0; i < batch.length; i++) {
            const r = list[i];
            if (Array.isArray(r) && r[0] === 'error') batch[i].reject(new AppendFailedError(`Redis refused the append: ${r[1]}`));
            else batch[i].resolve(r as AppendReply);
          }
        } finally {
          this.next(name, lane);
        }
      },
      (err: unknown) => {
        // The call failed as a whole (Redis unreachable, a timeout): what waits behind it would
        // most likely fail the same way, later, after piling up. It fails now, and the hub tells
        // each sender to resend (their client ids keep a resend from being logged twice).
        for (const a of batch) a.reject(err);
        for (const a of lane.queue.splice(0)) a.reject(err);
        this.next(name, lane);
      },
    );
  }

  private next(name: string, lane: Lane): void {
    lane.busy = false;
    this.send(name, lane);
  }
}
