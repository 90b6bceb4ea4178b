/**
 * The ordered per-session command log: one interface, two implementations
 * (`memory-command-log.ts`, `redis-command-log.ts`) that pass one conformance suite
 * (`test/contract/command-log.suite.ts`).
 */

import type { Audience, LoggedCommand } from '../protocol/messages.js';
import type { Op } from '../protocol/commands.js';

export type SessionStatus = 'waiting' | 'active' | 'ended';

export interface LogMeta {
  id: string;
  /** Changes whenever numbering starts over; a seq means something only with its epoch. */
  epoch: string;
  /** Highest seq logged so far (0 before the first command). */
  head: number;
  status: SessionStatus;
  createdAt: number;
  endedAt?: number;
}

export interface AppendInput {
  k: string;
  op: Op;
  a: Audience;
  d: unknown;
  /** Sender participant id. */
  by: string;
  /** Client message id: a second append with the same (by, c) returns the first one's command. */
  c?: string;
  /**
   * `d` as the client sent it: UTF-8 JSON text that parses to `d` (the hub passes the bytes of
   * the frame it parsed). A store that writes JSON logs these bytes instead of stringifying `d`
   * again; only read during the call.
   */
  dText?: Uint8Array;
}

export interface AppendResult {
  cmd: LoggedCommand;
  /** True when (by, c) was already logged: nothing was appended or published again. */
  duplicate: boolean;
}

export type RangeResult =
  | { ok: true; epoch: string; head: number; commands: LoggedCommand[] }
  /** `trimmed`: commands after `since` are no longer all kept; `epoch`: numbering started over. */
  | { ok: false; reason: 'trimmed' | 'epoch' | 'unknown'; epoch: string; head: number };

export interface Snapshot {
  epoch: string;
  head: number;
  /** Replay order: the latest nav of each frame first (in seq order), then the rest in seq order. */
  commands: LoggedCommand[];
}

/** What a subscriber receives, in the order the store published it, with no gap. */
export type LogEvent =
  | { type: 'command'; cmd: LoggedCommand }
  /** Numbering started over (data lost, or the log was reset): resynchronise from a snapshot. */
  | { type: 'reset'; epoch: string; head: number }
  | { type: 'ended' };

export interface Subscription {
  close(): Promise<void>;
}

export class SessionEndedError extends Error {
  readonly code = 'TANDEM_ERR_SESSION_ENDED';
  override readonly name = 'SessionEndedError';
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} has ended`);
  }
}

export class UnknownSessionError extends Error {
  readonly code = 'TANDEM_ERR_UNKNOWN_SESSION';
  override readonly name = 'UnknownSessionError';
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} is unknown`);
  }
}

export interface CommandLog {
  /** Starts a session's log (a fresh epoch, head 0). Creating an existing one is a no-op returning its meta. */
  create(sessionId: string): Promise<LogMeta>;
  meta(sessionId: string): Promise<LogMeta | null>;
  /**
   * ONE atomic step: next seq, append, update the compacted state (retiring keys below a
   * `retiresBelow` op's key), remember (by, c), publish to every replica.
   * Throws UnknownSessionError / SessionEndedError.
   */
  append(sessionId: string, input: AppendInput): Promise<AppendResult>;
  /** Commands with seq > since, provided `epoch` is the current one and none were trimmed. */
  range(sessionId: string, since: number, epoch: string): Promise<RangeResult>;
  /** The compacted state in replay order. */
  snapshot(sessionId: string): Promise<Snapshot>;
  /** Every retained command, in seq order (the exported log). */
  entries(sessionId: string): Promise<LoggedCommand[]>;
  /** Marks the session ended, publishes `ended`, keeps the log for `retentionMs`, then forgets it. */
  end(sessionId: string, retentionMs: number): Promise<void>;
  /**
   * Live events of a session after seq `after` (commands with seq > after), gaps filled from the
   * log before anything later is delivered. `listener` is called in order, never concurrently;
   * commands it receives are deeply frozen (shared with the log and every other listener).
   * `epoch`: the epoch `after` belongs to (e.g. a snapshot's); when the stored one differs, the
   * first event is a `reset`. Without it, the epoch stored when subscribing is assumed.
   * A log trimmed past `after` also yields a `reset` (resynchronise from a snapshot).
   */
  subscribe(sessionId: string, after: number, listener: (event: LogEvent) => void, epoch?: string): Promise<Subscription>;
  /** Resolves while the backing store answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
