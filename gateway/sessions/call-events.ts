/**
 * The console's live queue: Server-Sent Events at /__tandem/api/calls/events. One bus
 * subscription per replica (topic `calls`, which every replica's API publishes to) feeds every
 * console connected here; a console first gets a `snapshot`, then `call`, `taken`, `session`
 * and `ended` events as they happen.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BusSubscription } from '../../store/directory.js';
import type { App } from '../app.js';
import { TandemError } from '../errors.js';
import { CALLS_TOPIC, type Calls, type CallsEvent } from './calls.js';

const HEARTBEAT_MS = 15_000;

export class CallEvents {
  /** Each console, with the events that arrived before its snapshot went out (null once it has). */
  readonly #clients = new Map<ServerResponse, string[] | null>();
  #sub: Promise<BusSubscription> | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    readonly app: App,
    readonly calls: Calls,
  ) {}

  #ensureSubscribed(): Promise<BusSubscription> {
    this.#sub ??= this.app.store.directory.subscribe(CALLS_TOPIC, (event) => this.#broadcast(event as CallsEvent));
    this.#sub.catch(() => (this.#sub = null));
    if (!this.#heartbeat) {
      this.#heartbeat = setInterval(() => {
        for (const [res, pending] of this.#clients) if (!pending) res.write(': keep-alive\n\n');
      }, HEARTBEAT_MS);
      this.#heartbeat.unref();
    }
    return this.#sub;
  }

  #broadcast(event: CallsEvent): void {
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') return;
    const frame = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const [res, pending] of this.#clients) {
      if (pending) pending.push(frame);
      else res.write(frame);
    }
  }

  async open(_req: IncomingMessage, res: ServerResponse, operator: string): Promise<void> {
    if (this.#closed) throw new TandemError('TANDEM_ERR_DRAINING', 'this gateway is shutting down: reconnect');
    // Subscribe before the snapshot is read and hold back what arrives meanwhile until the
    // snapshot is out: nothing is missed, and the console applies events idempotently (by id).
    await this.#ensureSubscribed();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const pending: string[] = [];
    this.#clients.set(res, pending);
    const drop = () => this.#clients.delete(res);
    res.on('close', drop);
    res.on('error', drop);
    const snapshot = await this.calls.overview(operator);
    if (!this.#clients.has(res)) return;
    res.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify({ type: 'snapshot', operator, ...snapshot })}\n\n` + pending.join(''));
    this.#clients.set(res, null);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    for (const res of this.#clients.keys()) res.end();
    this.#clients.clear();
    const sub = this.#sub;
    this.#sub = null;
    if (sub) await (await sub.catch(() => null))?.close();
  }
}
