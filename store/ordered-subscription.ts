/**
 * Turns what a replica hears on a session's channel into the ordered, gap-free event stream
 * `CommandLog.subscribe` promises. Shared by both stores, so the memory store exercises the
 * same ordering code as Redis: a message past `last + 1` is preceded by the missing range read
 * from the log, a message at or below `last` is a duplicate and dropped, a message from another
 * epoch (or a log trimmed past `last`) becomes a `reset`.
 */

import type { LoggedCommand } from '../protocol/messages.js';
import type { LogEvent, LogMeta, RangeResult, Subscription } from './command-log.js';

/** What the store publishes on a session's channel. */
export type Published = { epoch: string; cmd: LoggedCommand } | { epoch: string; ended: true };

export interface LogReader {
  meta(sessionId: string): Promise<LogMeta | null>;
  range(sessionId: string, since: number, epoch: string): Promise<RangeResult>;
}

export class OrderedSubscription implements Subscription {
  private last: number;
  private ended = false;
  private closed = false;
  /** Every step runs after the previous one: the listener is never called concurrently or out of order. */
  private chain: Promise<void> = Promise.resolve();
  /** Steps queued on `chain` and not finished yet. */
  private pending = 0;

  constructor(
    readonly sessionId: string,
    private epoch: string,
    after: number,
    private readonly reader: LogReader,
    private readonly listener: (event: LogEvent) => void,
    private readonly onClose: (sub: OrderedSubscription) => Promise<void>,
  ) {
    this.last = after;
  }

  /** Compares with the stored log (backlog, epoch, end): at start, and after a lost connection. */
  resync(): void {
    this.enqueue(() => this.catchUp());
  }

  /**
   * Compares with the stored log like `resync`, and resolves to true when that delivered
   * something the channel should have brought (a lost publication or subscription).
   */
  check(): Promise<boolean> {
    return new Promise((resolve) => {
      this.enqueue(async () => {
        const before = { last: this.last, epoch: this.epoch, ended: this.ended };
        try {
          await this.catchUp();
        } finally {
          resolve(this.last !== before.last || this.epoch !== before.epoch || this.ended !== before.ended);
        }
      });
    });
  }

  push(message: Published): void {
    if (this.closed || this.ended) return;
    // The common case, the next command with nothing queued before it, is delivered at once: no
    // promise, no microtask, nothing allocated per command.
    if (this.pending === 0 && 'cmd' in message && message.epoch === this.epoch && this.takeInOrder(message.cmd)) return;
    this.enqueue(() => this.handle(message));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose(this);
  }

  private enqueue(step: () => Promise<void>): void {
    // A failed read (store unreachable) leaves `last` where it was; the next message or the
    // resync after reconnecting fills the gap, so nothing is delivered out of order.
    this.pending++;
    this.chain = this.chain
      .then(step)
      .catch(() => undefined)
      .finally(() => this.pending--);
  }

  private get done(): boolean {
    return this.closed || this.ended;
  }

  private async handle(message: Published): Promise<void> {
    if (this.done) return;
    if (message.epoch !== this.epoch) return this.reset();
    if ('ended' in message) {
      await this.fill();
      this.emitEnded();
      return;
    }
    if (this.takeInOrder(message.cmd)) return;
    // A gap: the fill delivers it (the log holds everything published); if it cannot, wait.
    await this.fill();
  }

  /**
   * Delivers `cmd` when it is the next one. True when nothing more is needed (it was the next
   * one, or one already delivered); false when commands before it are missing.
   */
  private takeInOrder(cmd: LoggedCommand): boolean {
    if (cmd.seq <= this.last) return true;
    if (cmd.seq !== this.last + 1) return false;
    this.last = cmd.seq;
    this.emit({ type: 'command', cmd });
    return true;
  }

  private async catchUp(): Promise<void> {
    if (this.done) return;
    const meta = await this.reader.meta(this.sessionId);
    if (!meta || this.done) return;
    if (meta.epoch !== this.epoch) return this.reset();
    if (meta.head > this.last) await this.fill();
    if (meta.status === 'ended') this.emitEnded();
  }

  /** Delivers every logged command after `last`. */
  private async fill(): Promise<void> {
    const r = await this.reader.range(this.sessionId, this.last, this.epoch);
    if (this.done) return;
    if (!r.ok) {
      if (r.reason !== 'unknown') await this.reset();
      return;
    }
    for (const cmd of r.commands) {
      if (this.done) return;
      if (cmd.seq <= this.last) continue;
      this.last = cmd.seq;
      this.emit({ type: 'command', cmd });
    }
  }

  private async reset(): Promise<void> {
    const meta = await this.reader.meta(this.sessionId);
    if (!meta || this.done) return;
    this.epoch = meta.epoch;
    this.last = meta.head;
    this.emit({ type: 'reset', epoch: meta.epoch, head: meta.head });
    if (meta.status === 'ended') this.emitEnded();
  }

  private emitEnded(): void {
    if (this.done) return;
    this.emit({ type: 'ended' });
    this.ended = true;
  }

  private emit(event: LogEvent): void {
    try {
      this.listener(event);
    } catch {
      // A throwing listener must not stop delivery to itself later or to anyone else.
    }
  }
}
