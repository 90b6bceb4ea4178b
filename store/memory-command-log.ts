/**
 * The command log held in this process: the embedded store for a single gateway. Same
 * behaviour as the Redis log (one conformance suite), O(1) appends, and every command is a
 * deeply frozen copy shared by the log, the compacted state and every listener.
 */

import { OPS } from '../protocol/commands.js';
import { isBelow } from '../protocol/keys.js';
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
import { frozenCopy } from './frozen.js';
import { newEpoch } from './ids.js';
import { OrderedSubscription, type Published } from './ordered-subscription.js';

export interface MemoryCommandLogOptions {
  /** Commands kept per session before the oldest are dropped (approximately, like `XADD MAXLEN ~`). */
  maxLen?: number;
}

interface Session {
  meta: LogMeta;
  /** `log[i].seq === first + i`. */
  log: LoggedCommand[];
  first: number;
  /** Latest command per key, in seq order (a key is deleted before it is set again). */
  state: Map<string, LoggedCommand>;
  /**
   * Client message ids already logged: `clientKey(by, c)` → the command, in two generations.
   * Each time seq reaches a multiple of maxLen, `sent` becomes `sentOld` and the older one goes,
   * as in the Redis store: a resend is recognised while its first copy is among the last maxLen
   * commands at least, and a session holds at most about 2 × maxLen client ids.
   */
  sent: Map<string, LoggedCommand>;
  sentOld: Map<string, LoggedCommand>;
  expiresAt: number | null;
  timer: NodeJS.Timeout | null;
}

export function clientKey(by: string, c: string): string {
  // Length-prefixed so no (by, c) pair can collide with another whatever characters they hold.
  return `${by.length}:${by}:${c}`;
}

export class MemoryCommandLog implements CommandLog {
  protected readonly sessions = new Map<string, Session>();
  /** Kept apart from sessions: a subscriber outlives a session that expires and is created again. */
  private readonly subscribers = new Map<string, Set<OrderedSubscription>>();
  private readonly maxLen: number;

  constructor(options: MemoryCommandLogOptions = {}) {
    this.maxLen = Math.max(1, options.maxLen ?? LOG_MAX_LEN);
  }

  async create(sessionId: string): Promise<LogMeta> {
    const existing = this.live(sessionId);
    if (existing) return { ...existing.meta };
    const session: Session = {
      meta: { id: sessionId, epoch: newEpoch(), head: 0, status: 'active', createdAt: Date.now() },
      log: [],
      first: 1,
      state: new Map(),
      sent: new Map(),
      sentOld: new Map(),
      expiresAt: null,
      timer: null,
    };
    this.sessions.set(sessionId, session);
    return { ...session.meta };
  }

  async meta(sessionId: string): Promise<LogMeta | null> {
    const s = this.live(sessionId);
    return s ? { ...s.meta } : null;
  }

  async append(sessionId: string, input: AppendInput): Promise<AppendResult> {
    const s = this.live(sessionId);
    if (!s) throw new UnknownSessionError(sessionId);
    if (s.meta.status === 'ended') throw new SessionEndedError(sessionId);
    const sentKey = input.c ? clientKey(input.by, input.c) : null;
    if (sentKey !== null) {
      const first = s.sent.get(sentKey) ?? s.sentOld.get(sentKey);
      if (first) return { cmd: first, duplicate: true };
    }
    const seq = s.meta.head + 1;
    const cmd: LoggedCommand = Object.freeze({
      seq,
      k: input.k,
      op: input.op,
      a: input.a,
      d: frozenCopy(input.d),
      by: input.by,
      t: Date.now(),
    });
    s.meta.head = seq;
    s.log.push(cmd);
    if (seq % this.maxLen === 0) {
      s.sentOld = s.sent;
      s.sent = new Map();
    }
    // Trimming in batches keeps appends O(1) amortised; at least maxLen commands stay.
    if (s.log.length >= 2 * this.maxLen) {
      const drop = s.log.length - this.maxLen;
      s.log = s.log.slice(drop);
      s.first += drop;
    }
    const spec = OPS[input.op];
    if (spec.compact) {
      if (spec.retiresBelow) {
        for (const key of s.state.keys()) if (isBelow(key, input.k)) s.state.delete(key);
      }
      s.state.delete(input.k);
      s.state.set(input.k, cmd);
    }
    if (sentKey !== null) s.sent.set(sentKey, cmd);
    this.publish(sessionId, { epoch: s.meta.epoch, cmd });
    return { cmd, duplicate: false };
  }

  async range(sessionId: string, since: number, epoch: string): Promise<RangeResult> {
    const s = this.live(sessionId);
    if (!s) return { ok: false, reason: 'unknown', epoch: '', head: 0 };
    const { epoch: current, head } = s.meta;
    if (epoch !== current) return { ok: false, reason: 'epoch', epoch: current, head };
    const from = Math.max(0, Math.floor(since)) + 1;
    if (from > head) return { ok: true, epoch: current, head, commands: [] };
    if (from < s.first) return { ok: false, reason: 'trimmed', epoch: current, head };
    return { ok: true, epoch: current, head, commands: s.log.slice(from - s.first) };
  }

  async snapshot(sessionId: string): Promise<Snapshot> {
    const s = this.live(sessionId);
    if (!s) throw new UnknownSessionError(sessionId);
    const navs: LoggedCommand[] = [];
    const rest: LoggedCommand[] = [];
    for (const cmd of s.state.values()) (cmd.op === 'nav' ? navs : rest).push(cmd);
    return { epoch: s.meta.epoch, head: s.meta.head, commands: navs.concat(rest) };
  }

  async entries(sessionId: string): Promise<LoggedCommand[]> {
    const s = this.live(sessionId);
    return s ? s.log.slice() : [];
  }

  async end(sessionId: string, retentionMs: number): Promise<void> {
    const s = this.live(sessionId);
    if (!s) throw new UnknownSessionError(sessionId);
    s.meta.status = 'ended';
    s.meta.endedAt ??= Date.now();
    s.expiresAt = Date.now() + retentionMs;
    if (s.timer) clearTimeout(s.timer);
    // Timers longer than ~24.8 days overflow; the lazy check in live() covers those.
    s.timer = setTimeout(() => this.live(sessionId), Math.min(retentionMs + 1, 2 ** 31 - 1));
    s.timer.unref();
    this.publish(sessionId, { epoch: s.meta.epoch, ended: true });
  }

  async subscribe(sessionId: string, after: number, listener: (event: LogEvent) => void, epoch?: string): Promise<Subscription> {
    const s = this.live(sessionId);
    if (!s) throw new UnknownSessionError(sessionId);
    let subs = this.subscribers.get(sessionId);
    if (!subs) this.subscribers.set(sessionId, (subs = new Set()));
    const sub = new OrderedSubscription(sessionId, epoch ?? s.meta.epoch, after, this, listener, async (closed) => {
      const set = this.subscribers.get(sessionId);
      set?.delete(closed);
      if (set?.size === 0) this.subscribers.delete(sessionId);
    });
    subs.add(sub);
    sub.resync();
    return sub;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    for (const s of this.sessions.values()) if (s.timer) clearTimeout(s.timer);
    this.sessions.clear();
    this.subscribers.clear();
  }

  /** Hands a logged command or the end to this process's subscribers (a seam for tests to drop one). */
  protected publish(sessionId: string, message: Published): void {
    const subs = this.subscribers.get(sessionId);
    if (subs) for (const sub of subs) sub.push(message);
  }

  /** The session, unless its retention has run out (then it is forgotten). */
  private live(sessionId: string): Session | null {
    const s = this.sessions.get(sessionId);
    if (!s) return null;
    if (s.expiresAt !== null && Date.now() >= s.expiresAt) {
      if (s.timer) clearTimeout(s.timer);
      this.sessions.delete(sessionId);
      return null;
    }
    return s;
  }
}
