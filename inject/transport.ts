/**
 * A participant's one connection to the hub (CONTRACT section 7), held by the shell. Reconnects
 * by itself after a drop, resuming with `since` and `epoch` so nothing is missed or repeated;
 * commands sent while it is down wait in a queue and go out, with their client ids, once the
 * hub has welcomed the new connection.
 */

import type { Op } from '../protocol/commands.js';
import { isCommand, type Audience, type ClientCommand, type Command, type HubMessage } from '../protocol/messages.js';
import { CLOSE_ENDED } from '../protocol/limits.js';

export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface HubHandlers {
  /** `replay`: part of a full (compacted) replay rather than live or resumed traffic. */
  onCommand(cmd: Command, replay: boolean): void;
  onMessage(m: Exclude<HubMessage, Command>): void;
  onLink(state: LinkState): void;
}

const MAX_QUEUE = 500;

export class HubConnection {
  #ws: WebSocket | null = null;
  #seq = -1;
  #epoch = '';
  #replaying = false;
  #welcomed = false;
  #closed = false;
  #attempt = 0;
  #timer = 0;
  #n = 0;
  readonly #idPrefix = Math.random().toString(36).slice(2, 8);
  readonly #queue: ClientCommand[] = [];

  constructor(
    private readonly path: string,
    private readonly token: string,
    private readonly h: HubHandlers,
  ) {
    this.#connect();
  }

  /** True while a full (compacted) replay is arriving. */
  get replaying(): boolean {
    return this.#replaying;
  }

  get open(): boolean {
    return this.#welcomed;
  }

  send(k: string, op: Op, d: unknown, a: Audience = 'others'): void {
    const cmd: ClientCommand = { k, op, a, d, c: `${this.#idPrefix}${(this.#n++).toString(36)}` };
    if (this.#welcomed && this.#ws?.readyState === WebSocket.OPEN) {
      this.#ws.send(JSON.stringify(cmd));
      return;
    }
    if (this.#queue.length >= MAX_QUEUE) this.#queue.shift();
    this.#queue.push(cmd);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#ws?.close(1000);
    this.#ws = null;
    this.h.onLink('closed');
  }

  #url(): string {
    const q = new URLSearchParams({ token: this.token });
    if (this.#seq >= 0 && this.#epoch) {
      q.set('since', String(this.#seq));
      q.set('epoch', this.#epoch);
    }
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${this.path}?${q}`;
  }

  #connect(): void {
    if (this.#closed) return;
    this.h.onLink(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const resuming = this.#seq >= 0 && this.#epoch !== '';
    this.#replaying = !resuming;
    this.#welcomed = false;
    const ws = new WebSocket(this.#url());
    this.#ws = ws;
    ws.onmessage = (e) => {
      if (ws !== this.#ws) return;
      let m: HubMessage;
      try {
        m = JSON.parse(String(e.data)) as HubMessage;
      } catch {
        return;
      }
      this.#receive(m);
    };
    ws.onclose = (e) => {
      if (ws !== this.#ws) return;
      this.#ws = null;
      this.#welcomed = false;
      if (this.#closed || e.code === CLOSE_ENDED) {
        this.#closed = true;
        this.h.onLink('closed');
        return;
      }
      this.#retry();
    };
  }

  #retry(delay?: number): void {
    this.h.onLink('reconnecting');
    const wait = delay ?? Math.min(3000, 200 * 2 ** Math.min(this.#attempt, 4)) * (0.75 + Math.random() / 2);
    this.#attempt++;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#connect(), wait) as unknown as number;
  }

  #receive(m: HubMessage): void {
    if (isCommand(m)) {
      // A compacted replay is not in seq order (navs come first); live traffic is.
      if (!this.#replaying && m.seq <= this.#seq) return;
      this.#seq = Math.max(this.#seq, m.seq);
      this.h.onCommand(m, this.#replaying);
      return;
    }
    switch (m.type) {
      case 'welcome':
        if (m.epoch !== this.#epoch && this.#epoch !== '') this.#replaying = true;
        this.#epoch = m.epoch;
        this.#welcomed = true;
        this.#attempt = 0;
        if (this.#replaying) this.#seq = 0;
        this.h.onLink('open');
        break;
      case 'reset':
        this.#epoch = m.epoch;
        this.#seq = 0;
        this.#replaying = true;
        break;
      case 'replayed':
        this.#replaying = false;
        if (m.head > this.#seq) this.#seq = m.head;
        break;
      case 'reconnect':
        this.h.onMessage(m);
        this.#ws?.close(1000);
        this.#ws = null;
        this.#retry(50 + Math.random() * 200);
        return;
    }
    this.h.onMessage(m);
    if (m.type === 'welcome') this.#flush();
  }

  #flush(): void {
    const ws = this.#ws;
    while (this.#queue.length && ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(this.#queue.shift()));
  }
}
