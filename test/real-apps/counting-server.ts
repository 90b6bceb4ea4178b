/**
 * The front of every real app in the e2e suite: a small HTTP server of ours on a free loopback
 * port that counts every side-effecting request (any method but GET, HEAD and OPTIONS) by method
 * and path, then serves it from static folders, from a route of the test, or by passing it
 * (WebSocket upgrades included) to the app's own server. The gateway's TANDEM_ORIGIN points here.
 */

import http from 'node:http';
import net from 'node:net';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { SharingCounters } from '../fixtures/origins/sharing-pages.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.jsx': 'text/jsx; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface Mount {
  /** URL path prefix ending in `/`. */
  prefix: string;
  dir: string;
}

/** A route of the test: answers and returns true, or returns false to let the request go on. */
export type Route = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => boolean;

export interface CountingOptions {
  mounts?: Mount[];
  /** Exact paths answered with fixed content (served before the mounts). */
  files?: Record<string, { type: string; body: string | Buffer }>;
  route?: Route;
  /** The app's own server (`http://127.0.0.1:N`), for whatever the rest does not answer. */
  upstream?: string;
}

export interface CountingServer {
  readonly url: string;
  /** Shaped like the fixture origins' counters: `posts` counts every side-effecting request. */
  readonly counters: SharingCounters;
  /** Side-effecting requests in order of arrival, as `METHOD /path`. */
  readonly sideEffects: string[];
  /** How many times `METHOD /path` (or a RegExp over it) arrived. */
  count(what: string | RegExp): number;
  close(): Promise<void>;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function serveFile(res: http.ServerResponse, file: string, method: string): boolean {
  let st;
  try {
    st = statSync(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = statSync(file);
    }
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': st.size,
    'cache-control': 'no-cache',
  });
  if (method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}

function fromMount(mounts: Mount[], pathname: string): string | null {
  for (const m of mounts) {
    if (!pathname.startsWith(m.prefix)) continue;
    const rel = normalize(decodeURIComponent(pathname.slice(m.prefix.length)));
    if (rel.startsWith('..') || rel.includes(`${sep}..`)) return null;
    return join(m.dir, rel);
  }
  return null;
}

export async function startCountingServer(opts: CountingOptions): Promise<CountingServer> {
  const counters: SharingCounters = { posts: 0, hits: new Map() };
  const sideEffects: string[] = [];
  const upstream = opts.upstream ? new URL(opts.upstream) : null;

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://x');
    const key = `${method} ${url.pathname}`;
    counters.hits.set(key, (counters.hits.get(key) ?? 0) + 1);
    if (!SAFE.has(method)) {
      counters.posts++;
      sideEffects.push(key);
    }
    const fixed = opts.files?.[url.pathname];
    if (fixed && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(200, { 'content-type': fixed.type, 'cache-control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : fixed.body);
      return;
    }
    if (opts.route || !upstream) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (opts.route?.(req, res, body)) return;
        if (method === 'GET' || method === 'HEAD') {
          const file = fromMount(opts.mounts ?? [], url.pathname);
          if (file && serveFile(res, file, method)) return;
        }
        if (upstream) return forward(req, res, body);
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      });
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const file = fromMount(opts.mounts ?? [], url.pathname);
      if (file && serveFile(res, file, method)) return;
    }
    forward(req, res, null);
  });

  function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer | null): void {
    const headers = { ...req.headers, host: upstream!.host };
    if (body) headers['content-length'] = String(body.length);
    const up = http.request({ host: upstream!.hostname, port: upstream!.port, method: req.method, path: req.url, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.rawHeaders);
      ur.pipe(res);
    });
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream: ${err.message}`);
    });
    if (body) up.end(body);
    else req.pipe(up);
  }

  const tunnels = new Set<net.Socket>();
  server.on('upgrade', (req, socket: net.Socket, head) => {
    if (!upstream) return socket.destroy();
    const up = net.connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? upstream.host : req.rawHeaders[i + 1]}`);
      }
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    tunnels.add(socket).add(up);
    up.on('close', () => tunnels.delete(up));
    socket.on('close', () => tunnels.delete(socket));
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counters,
    sideEffects,
    count: (what) => sideEffects.filter((s) => (typeof what === 'string' ? s === what : what.test(s))).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of tunnels) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
