/** The least hub client the ops tests need: connect with a token, send, collect, wait. */

import WebSocket from 'ws';

export interface OpsHubClient {
  readonly messages: Record<string, unknown>[];
  readonly closed: Promise<number>;
  send(cmd: { k: string; op: string; a?: 'all' | 'others'; d: unknown; c?: string }): void;
  /** Resolves once `cond` holds; rejects after `timeoutMs`. */
  until(what: string, cond: () => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function connectHub(base: string, token: string, query = '', options: WebSocket.ClientOptions = {}): Promise<OpsHubClient> {
  const url = `${base.replace(/^http/, 'ws')}/__tandem/hub?token=${encodeURIComponent(token)}${query}`;
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  const messages: Record<string, unknown>[] = [];
  const wakers = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const w of wakers) w();
  });
  const closed = new Promise<number>((resolve) =>
    ws.on('close', (code) => {
      resolve(code);
      for (const w of wakers) w();
    }),
  );
  ws.on('error', () => undefined);
  const client: OpsHubClient = {
    messages,
    closed,
    send: (cmd) => ws.send(JSON.stringify(cmd)),
    until(what, cond, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!cond()) return;
          clearTimeout(timer);
          wakers.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          wakers.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages).slice(0, 2000)}`));
        }, timeoutMs);
        wakers.add(check);
        check();
      });
    },
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`hub refused the upgrade with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
