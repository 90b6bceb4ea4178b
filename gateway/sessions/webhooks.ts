/**
 * Webhooks (TANDEM_WEBHOOK_URL): `call.requested`, `session.started`, `participant.joined`,
 * `participant.left`, `session.ended`, POSTed as JSON `{type, id, session, at, ...}` with
 * `X-Tandem-Signature: sha256=<hex HMAC-SHA256 of the body>` under a key derived from
 * TANDEM_SECRET (`webhookKey`). Delivery runs beside the sessions, never in their way: events
 * wait in a bounded queue per session, go out one at a time per session (so in order), and a
 * failure is retried with exponential backoff a bounded number of times, then dropped.
 * Each event is sent by the replica that handled the API call that caused it, so once.
 */

import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

export type WebhookType = 'call.requested' | 'session.started' | 'participant.joined' | 'participant.left' | 'session.ended';

export interface WebhookEvent {
  type: WebhookType;
  /** Unique per event: receivers can drop a redelivery. */
  id: string;
  session: string;
  /** ISO 8601. */
  at: string;
  [extra: string]: unknown;
}

/** The receiver's verification key: hex of HMAC-SHA256(TANDEM_SECRET, "tandem-webhook"). */
export function webhookKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('tandem-webhook').digest();
}

export function signBody(key: Buffer, body: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

export interface WebhookOptions {
  url: string;
  secret: string;
  log: Logger;
  /** Attempts per event, the first included. */
  attempts?: number;
  /** Wait before the first retry; doubles after each. */
  backoffMs?: number;
  /** Longest a receiver may take to answer one attempt. */
  timeoutMs?: number;
  /** Events waiting per session at most; past it the oldest waiting is dropped. */
  maxQueued?: number;
}

interface Lane {
  events: WebhookEvent[];
  running: boolean;
}

export class Webhooks {
  readonly #key: Buffer;
  readonly #lanes = new Map<string, Lane>();
  /** Backoff waits in progress, with what ends each early (at close). */
  readonly #timers = new Map<NodeJS.Timeout, () => void>();
  readonly #aborts = new Set<AbortController>();
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(readonly opts: WebhookOptions) {
    this.#key = webhookKey(opts.secret);
  }

  /** Queues an event; returns at once. */
  emit(type: WebhookType, session: string, extra: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    const event: WebhookEvent = { ...extra, type, id: randomUUID(), session, at: new Date().toISOString() };
    let lane = this.#lanes.get(session);
    if (!lane) this.#lanes.set(session, (lane = { events: [], running: false }));
    lane.events.push(event);
    const max = this.opts.maxQueued ?? 100;
    while (lane.events.length > max) {
      const dropped = lane.events.splice(lane.running ? 1 : 0, 1)[0];
      this.opts.log.warn({ type: dropped.type, session }, 'webhook queue full: oldest event dropped');
    }
    if (!lane.running) void this.#run(session, lane);
  }

  async #run(session: string, lane: Lane): Promise<void> {
    lane.running = true;
    while (lane.events.length > 0 && !this.#closed) {
      await this.#deliver(lane.events[0]);
      lane.events.shift();
    }
    lane.running = false;
    if (lane.events.length === 0 || this.#closed) this.#lanes.delete(session);
    if (this.#lanes.size === 0) for (const done of this.#idle.splice(0)) done();
  }

  async #deliver(event: WebhookEvent): Promise<void> {
    const body = JSON.stringify(event);
    const attempts = this.opts.attempts ?? 6;
    let wait = this.opts.backoffMs ?? 500;
    for (let attempt = 1; attempt <= attempts && !this.#closed; attempt++) {
      const abort = new AbortController();
      this.#aborts.add(abort);
      const timer = setTimeout(() => abort.abort(), this.opts.timeoutMs ?? 5000);
      try {
        const res = await fetch(this.opts.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-tandem-signature': signBody(this.#key, body),
            'x-tandem-event': event.type,
            'user-agent': 'tandem-webhook',
          },
          body,
          signal: abort.signal,
          redirect: 'manual',
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return;
        this.opts.log.warn({ type: event.type, status: res.status, attempt }, 'webhook refused');
      } catch (err) {
        this.opts.log.warn({ type: event.type, attempt, err: (err as Error).message }, 'webhook delivery failed');
      } finally {
        clearTimeout(timer);
        this.#aborts.delete(abort);
      }
      if (attempt < attempts) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            this.#timers.delete(t);
            resolve();
          }, wait);
          this.#timers.set(t, resolve);
        });
        wait *= 2;
      }
    }
    if (this.#closed) this.opts.log.warn({ type: event.type, session: event.session }, 'webhook dropped at shutdown');
    else this.opts.log.error({ type: event.type, session: event.session }, 'webhook dropped after its last attempt');
  }

  /** Resolves once nothing is queued (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.#lanes.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Gives in-flight deliveries `graceMs` to finish, then stops retrying and drops the rest. */
  async close(graceMs = 2000): Promise<void> {
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.#closed = true;
    for (const [t, resolve] of this.#timers) {
      clearTimeout(t);
      resolve();
    }
    this.#timers.clear();
    for (const a of this.#aborts) a.abort();
    for (const done of this.#idle.splice(0)) done();
  }
}
