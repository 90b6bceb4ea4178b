/**
 * A small hub client for tests (and the bench): connects with a token, collects every message,
 * sends commands with a client id `c`, and reconnects with `since`/`epoch` from what it saw.
 */

import WebSocket from 'ws';
import type { Command, HubMessage } from '../../protocol/messages.js';

/** Generous: the machines these run on are shared, and a starved process is not a failing hub. */
const DEFAULT_WAIT_MS = 20_000;

export interface OutgoingCommand {
  k: string;
  op: string;
  a?: 'others' | 'all';
  d: unknown;
  c?: string;
}

export interface ResumeAt {
  since: number;
  epoch: string;
}

export interface Refused {
  status: number;
  body: { error?: string; message?: string } | null;
}

/** `http://127.0.0.1:8080` → `ws://127.0.0.1:8080/__tandem/hub?token=…[&since=…&epoch=…]`. */
export function hubUrl(base: string, token: string, resume?: ResumeAt | null): string {
  const u = new URL('/__tandem/hub', base.replace(/^http/, 'ws'));
  u.searchParams.set('token', token);
  if (resume) {
    u.searchParams.set('since', String(resume.since));
    u.searchParams.set('epoch', resume.epoch);
  }
  return u.toString();
}

export class HubClient {
  readonly messages: HubMessage[] = [];
  /** Resolves with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  epoch = '';
  /** The highest seq seen (replay and live), what a reconnect resumes from. */
  lastSeq = 0;
  private waiters = new Set<() => void>();
  private sent = 0;
  private isClosed = false;

  private constructor(
    readonly ws: WebSocket,
    readonly base: string,
    readonly token: string,
  ) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as HubMessage;
      this.messages.push(m);
      if ('seq' in m && typeof m.seq === 'number') this.lastSeq = Math.max(this.lastSeq, m.seq);
      else if ('type' in m) {
        if (m.type === 'welcome' || m.type === 'reset') this.epoch = m.epoch;
        if (m.type === 'reset') this.lastSeq = 0;
        if (m.type === 'replayed') this.lastSeq = Math.max(this.lastSeq, m.head);
      }
      this.wake();
    });
  }

  /** Opens a connection; rejects with the HTTP status if the hub refuses the upgrade. */
  static connect(base: string, token: string, resume?: ResumeAt | null): Promise<HubClient> {
    const ws = new WebSocket(hubUrl(base, token, resume), { perMessageDeflate: false });
    const client = new HubClient(ws, base, token);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`hub refused the upgrade with ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /**
   * Connects and waits for the replay, reconnecting (up to `attempts` times) when the socket is
   * dropped before it, as a browser's transport does. The hub itself no longer drops healthy
   * joins (the uWS post-cork close after an async upgrade, see gateway/hub/server.ts), so a retry
   * here means a real fault: a socket the hub or a fault in the test cut before its replay.
   */
  static async connectReplayed(base: string, token: string, resume?: ResumeAt | null, attempts = 3): Promise<HubClient> {
    for (let i = 1; ; i++) {
      const client = await HubClient.connect(base, token, resume);
      try {
        await client.next('replayed');
        return client;
      } catch (err) {
        client.terminate();
        if (client.isOpen || i >= attempts) throw err;
      }
    }
  }

  /** Tries to connect and expects a refusal: the HTTP status and JSON body. */
  static refused(base: string, token: string, resume?: ResumeAt | null): Promise<Refused> {
    const ws = new WebSocket(hubUrl(base, token, resume), { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      let settled = false;
      ws.once('open', () => {
        settled = true;
        ws.terminate();
        reject(new Error('the hub accepted a connection that it should have refused'));
      });
      ws.once('unexpected-response', (_req, res) => {
        settled = true;
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let body: Refused['body'] = null;
          try {
            body = JSON.parse(text) as Refused['body'];
          } catch {
            /* not JSON: left null, which the caller can assert on */
          }
          resolve({ status: res.statusCode ?? 0, body });
          ws.terminate();
        });
        res.on('error', reject);
      });
      ws.on('error', (err) => {
        if (!settled) reject(err);
      });
    });
  }

  /** Sends a command; gives it a fresh `c` unless one is given or `c: undefined` is wanted. */
  send(cmd: OutgoingCommand): string | undefined {
    const c = 'c' in cmd ? cmd.c : `c${++this.sent}`;
    this.ws.send(JSON.stringify({ ...cmd, c }));
    return c;
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Commands received, in arrival order. */
  commands(): Command[] {
    return this.messages.filter((m): m is Command => 'seq' in m && typeof (m as Command).seq === 'number');
  }

  /** Commands received after the (last) `replayed`. */
  liveCommands(): Command[] {
    let from = 0;
    this.messages.forEach((m, i) => {
      if ('type' in m && m.type === 'replayed') from = i + 1;
    });
    return this.messages.slice(from).filter((m): m is Command => 'seq' in m && typeof (m as Command).seq === 'number');
  }

  ofType<T extends Extract<HubMessage, { type: string }>['type']>(type: T): Extract<HubMessage, { type: T }>[] {
    return this.messages.filter((m) => 'type' in m && m.type === type) as Extract<HubMessage, { type: T }>[];
  }

  /** Waits until `cond` holds (checked on every message and on close). */
  until(cond: () => boolean, what = 'condition', timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        } else if (this.isClosed) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(new Error(`hub client closed while waiting for ${what}; got ${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Waits for a message of `type` (after index `from`) and returns it. */
  async next<T extends Extract<HubMessage, { type: string }>['type']>(
    type: T,
    from = 0,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<Extract<HubMessage, { type: T }>> {
    const find = () =>
      this.messages.slice(from).find((m) => 'type' in m && m.type === type) as Extract<HubMessage, { type: T }> | undefined;
    await this.until(() => find() !== undefined, `a ${type} message`, timeoutMs);
    return find()!;
  }

  /** The close code and reason, or a rejection if the socket is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<{ code: number; reason: string }> {
    await this.until(() => this.isClosed, 'the connection to close', timeoutMs).catch((err: Error) => {
      if (!this.isClosed) throw err;
    });
    return this.closed;
  }

  resumeAt(): ResumeAt {
    return { since: this.lastSeq, epoch: this.epoch };
  }

  /** A new connection (to `base`, by default the same gateway) resuming after what this one saw. */
  reconnect(base = this.base): Promise<HubClient> {
    return HubClient.connect(base, this.token, this.resumeAt());
  }

  close(): Promise<{ code: number; reason: string }> {
    if (!this.isClosed) this.ws.close();
    return this.closed;
  }

  /** Drops the connection at once (no close handshake): for teardown, and to simulate a lost network. */
  terminate(): void {
    this.ws.terminate();
  }

  /** Stops reading from the socket, like a client whose tab froze; `resumeReading` undoes it. */
  stopReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private describe(): string {
    const tail = this.messages.slice(-5).map((m) => JSON.stringify(m).slice(0, 120));
    return `${this.messages.length} messages, last: ${tail.join(' | ')}`;
  }
}
