/**
 * One hub connection: who it is (from its token), where it stands in the join sequence, and the
 * few safe ways to talk to its uWS socket. A uWS socket must not be touched after its close
 * event, nor closed from inside a publish (uWS frees it under the publisher's feet), so every
 * send and close goes through here.
 */

import type { WebSocket } from 'uWebSockets.js';
import type { ParticipantInfo, Role } from '../../protocol/messages.js';
import type { Metrics } from '../ops/metrics.js';
import { TokenBucket } from './flood.js';
import { BudgetRefusals } from './byte-budget.js';

/** Where a connection stands: replaying (live commands buffered), catching up, then on the topic. */
export type JoinState = 'joining' | 'catching-up' | 'live';

/** A live command held for a connection still replaying. */
export interface Buffered {
  seq: number;
  msg: string | Buffer;
  /** Sent by this connection's participant with `"a":"others"`: never shown to it. */
  by: string;
  others: boolean;
}

export type CloseReason = 'too_big' | 'flood' | 'slow' | 'ended' | 'restart' | 'store' | 'session';

export interface Resume {
  since: number;
  epoch: string;
}

/** uWS copies the user data's own properties into a plain object: the connection rides in one. */
export interface Slot {
  conn: Connection;
}

export class Connection {
  ws: WebSocket<Slot> | null = null;
  closed = false;
  /** An end was asked for (possibly deferred); nothing more is sent. */
  closing = false;
  state: JoinState = 'joining';
  /** Subscribed to the session's uWS topic. */
  subscribed = false;
  buffer: Buffered[] = [];
  bufferBytes = 0;
  /** Bumped by every (re)join, so a replay overtaken by a newer one stops. */
  generation = 0;
  /** The replay's head while catching up: topic delivery starts after it. */
  replayHead = 0;
  readonly bucket = new TokenBucket();
  /** Commands refused for the byte budget lately (byte-budget.ts): too many, and the connection is closed. */
  readonly overBudget = new BudgetRefusals();
  private drainWaiters: (() => void)[] = [];

  constructor(
    readonly id: number,
    readonly session: string,
    readonly info: ParticipantInfo,
    readonly resume: Resume | null,
    readonly clientAddr: string,
    /** The log's epoch and head when the upgrade was accepted, for the welcome. */
    readonly joinedAt: { epoch: string; head: number },
    private readonly metrics: Metrics,
  ) {}

  get participant(): string {
    return this.info.id;
  }

  get role(): Role {
    return this.info.role;
  }

  /** Sends one text frame; a frame dropped for backpressure makes the connection slow. */
  send(msg: string | Buffer): void {
    if (this.closing || !this.ws) return;
    if (this.ws.send(msg, false, false) === 2) this.slow();
  }

  /** Bytes uWS holds for this client that the kernel has not taken yet. */
  buffered(): number {
    return this.closing || !this.ws ? 0 : this.ws.getBufferedAmount();
  }

  /** Resolves once uWS has drained this client's backlog (or the connection is gone). */
  drained(): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  onDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * A client past the backpressure limit would stall nobody but lose messages: it is cut (no
   * close frame could reach a client that does not read) and resumes with `since`.
   */
  slow(): void {
    if (this.closing) return;
    this.closing = true;
    // uWS reports drops from inside publish, where closing the socket would free it mid-loop.
    setImmediate(() => {
      if (this.closed || !this.ws) return;
      this.metrics.hubClosed.inc({ reason: 'slow' });
      this.onDrain();
      this.ws.close();
    });
  }

  /** Closes with a close frame. Safe from anywhere except a uWS publish (see slow()). */
  end(code: number, reason: string, why: CloseReason): void {
    if (this.closing || !this.ws) return;
    this.closing = true;
    this.metrics.hubClosed.inc({ reason: why });
    this.onDrain();
    this.ws.end(code, reason);
  }

  /** Called from the uWS close handler: the socket is gone. */
  markClosed(): void {
    this.closed = true;
    this.closing = true;
    this.ws = null;
    this.buffer = [];
    this.onDrain();
  }
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324', '#469990', '#808000'];

/** A participant's colour: stable for its id on every replica, from a fixed palette. */
export function colorFor(participant: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < participant.length; i++) {
    h ^= participant.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return PALETTE[(h >>> 0) % PALETTE.length];
}
