/**
 * The connection to origins: the one file that imports the proxy library (http-proxy), so it can
 * be swapped after a measurement. It sends a request whose headers the caller has already decided,
 * hands back the origin's response unread (selfHandleResponse), and turns every way an origin can
 * fail before its first byte into one of two outcomes: `timeout` or `unreachable`.
 */

import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';

export type UpstreamFailure = 'timeout' | 'unreachable' | 'client-gone';

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamFailure,
    readonly origin: string,
    cause?: unknown,
  ) {
    super(`${origin}: ${kind}${cause instanceof Error ? ` (${cause.message})` : ''}`, { cause });
  }
}

export interface UpstreamTarget {
  /** `https://www.bank.example` — already checked against the configuration. */
  origin: string;
  /** Path and query sent to the origin, starting with `/`. */
  path: string;
  /** The complete request headers for the origin (Host included); hop-by-hop ones removed. */
  headers: http.IncomingHttpHeaders;
}

export interface UpstreamOptions {
  /** Connect and first byte, in ms. */
  timeoutMs: number;
  /** Extra CA certificates (PEM) trusted for HTTPS origins, beside the system's. */
  ca?: Buffer | null;
}

export interface Upstream {
  /** Sends `req`'s body to the origin; resolves with the origin's response, its body unread. */
  request(req: http.IncomingMessage, res: http.ServerResponse, target: UpstreamTarget): Promise<http.IncomingMessage>;
  /**
   * Proxies a WebSocket upgrade. The origin's answer (101 or otherwise) goes back with the
   * headers `fixHeaders` returns (the same object, changed in place, is fine).
   */
  upgrade(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: UpstreamTarget,
    onError: (err: UpstreamError) => void,
    fixHeaders?: (headers: http.IncomingHttpHeaders) => http.IncomingHttpHeaders,
  ): void;
  close(): Promise<void>;
}

interface Pending {
  origin: string;
  settled: boolean;
  proxyReq?: http.ClientRequest;
  resolve(res: http.IncomingMessage): void;
  reject(err: UpstreamError): void;
}

export function createUpstream(opts: UpstreamOptions): Upstream {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  // An extra CA is added to the system's roots, never instead of them.
  const ca = opts.ca ? [...tls.rootCertificates, opts.ca.toString('utf8')] : undefined;
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, rejectUnauthorized: true, ca });
  const proxy = httpProxy.createProxyServer({ selfHandleResponse: true, xfwd: false, prependPath: false, secure: true, ws: true });
  const pending = new WeakMap<http.IncomingMessage, Pending>();

  proxy.on('proxyReq', (proxyReq, req) => {
    const p = pending.get(req);
    if (!p) return;
    p.proxyReq = proxyReq;
    if (p.settled) proxyReq.destroy();
  });
  proxy.on('proxyRes', (proxyRes, req) => {
    const p = pending.get(req);
    if (!p || p.settled) {
      proxyRes.destroy();
      return;
    }
    p.settled = true;
    p.resolve(proxyRes);
  });
  // The library reports a request error of a client that already left here instead of to the
  // callback; the response's 'close' listener has settled it already.
  proxy.on('econnreset', () => {});
  proxy.on('error', () => {});

  return {
    request(req, res, target) {
      return new Promise<http.IncomingMessage>((resolve, reject) => {
        const p: Pending = { origin: target.origin, settled: false, resolve, reject };
        const fail = (kind: UpstreamFailure, cause?: unknown): void => {
          if (p.settled) return;
          p.settled = true;
          clearTimeout(timer);
          p.proxyReq?.destroy();
          reject(new UpstreamError(kind, target.origin, cause));
        };
        const timer = setTimeout(() => fail('timeout'), opts.timeoutMs);
        const onClose = (): void => fail('client-gone');
        res.once('close', onClose);
        p.resolve = (proxyRes) => {
          clearTimeout(timer);
          res.off('close', onClose);
          resolve(proxyRes);
        };
        pending.set(req, p);

        const secure = target.origin.startsWith('https:');
        withRequestAs(req, target, () =>
          proxy.web(req, res, { target: target.origin, agent: secure ? httpsAgent : httpAgent }, (err) => {
            const code = (err as NodeJS.ErrnoException).code;
            fail(code === 'ETIMEDOUT' ? 'timeout' : 'unreachable', err);
          }),
        );
      });
    },

    upgrade(req, socket, head, target, onError, fixHeaders) {
      let done = false;
      let outgoing: http.ClientRequest | null = null;
      const fail = (kind: UpstreamFailure, cause?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        outgoing?.destroy();
        socket.destroy();
        onError(new UpstreamError(kind, target.origin, cause));
      };
      const timer = setTimeout(() => fail('timeout'), opts.timeoutMs);
      // The library emits proxyReqWs synchronously inside ws(), before it listens for the answer
      // itself: listeners added here run first, so they can fix the headers it writes back.
      const onReq = (proxyReq: http.ClientRequest, r: http.IncomingMessage): void => {
        if (r !== req) return;
        outgoing = proxyReq;
        const answered = (res: http.IncomingMessage): void => {
          done = true;
          clearTimeout(timer);
          if (fixHeaders) res.headers = fixHeaders(res.headers);
        };
        proxyReq.once('upgrade', answered);
        proxyReq.once('response', answered);
      };
      proxy.on('proxyReqWs', onReq);
      try {
        withRequestAs(req, target, () =>
          proxy.ws(req, socket, head, { target: target.origin, ...(ca ? { ca } : {}) } as httpProxy.ServerOptions, (err) =>
            fail('unreachable', err),
          ),
        );
      } finally {
        proxy.off('proxyReqWs', onReq);
      }
    },

    async close() {
      httpAgent.destroy();
      httpsAgent.destroy();
      proxy.close();
    },
  };
}

/**
 * The library builds the outgoing request from `req.url` and `req.headers`, synchronously inside
 * web()/ws(); they are swapped for the target's only for that call, so the caller still sees
 * what the browser sent.
 */
function withRequestAs(req: http.IncomingMessage, target: UpstreamTarget, send: () => void): void {
  const url = req.url;
  const headers = req.headers;
  req.url = target.path;
  req.headers = target.headers;
  try {
    send();
  } finally {
    req.url = url;
    req.headers = headers;
  }
}
