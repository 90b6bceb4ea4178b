/** A tiny origin for the ops tests: a page, a slow page, and header echo; http or https. */

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface TinyOrigin {
  readonly url: string;
  readonly port: number;
  /** Requests that reached the origin, in order of arrival. */
  readonly seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export const ORIGIN_TITLE = 'Tiny Origin';

function handler(seen: TinyOrigin['seen']) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://origin');
    const send = () => {
      if (url.pathname === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ headers: req.headers }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><title>${ORIGIN_TITLE}</title></head><body><h1>${ORIGIN_TITLE}</h1><p id="path">${url.pathname}</p></body></html>`,
      );
    };
    // Read the whole body first, so a POST is answered only once it has fully arrived.
    req.resume();
    req.on('end', () => {
      const ms = url.pathname === '/slow' ? Number(url.searchParams.get('ms') ?? 1000) : 0;
      if (ms > 0) setTimeout(send, ms);
      else send();
    });
  };
}

export async function startTinyOrigin(opts: { tls?: { key: Buffer | string; cert: Buffer | string } } = {}): Promise<TinyOrigin> {
  const seen: TinyOrigin['seen'] = [];
  const server = opts.tls ? https.createServer(opts.tls, handler(seen)) : http.createServer(handler(seen));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
