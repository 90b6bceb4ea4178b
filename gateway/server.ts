/**
 * The front door: one node:http server on one port. `/__tandem/*` is Tandem's; every other
 * path belongs to the primary origin. A top-level navigation gets the shell, whose content
 * frame shows the same path; a navigation inside the frame gets the proxied page.
 */

import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { App } from './app.js';
import { sendError } from './errors.js';
import { Assets, sendShell, type ShellConfig } from './pages.js';
import { PARTICIPANT_COOKIE, tandemCookie } from './identity/cookies.js';
import { createProxy } from './proxy/proxy.js';
import { startHub, type Hub } from './hub/server.js';
import { createApi } from './sessions/api.js';
import { services } from './sessions/services.js';
import { Standing } from './identity/standing.js';
import { handleTandemPage } from './sessions/pages.js';
import { sendHealth, sendReadiness, setOwnHeaders, trackRequest, withTimeout } from './ops/health.js';
import { assignRequestId } from './ops/request-id.js';
import { Drain } from './ops/drain.js';
import { ConsoleOrigin } from './console-origin.js';
import { isGatewayPath } from '../protocol/mirror.js';
import { isResourceDestination, parseResourcePath, resourceTokens } from './identity/participant.js';
import { seedJarFromRequest } from './proxy/cookie-jar.js';

/** Receiving a whole request (an upload through the proxy included). */
export const REQUEST_TIMEOUT_MS = 120_000;
/** Receiving a request's head. */
export const HEADERS_TIMEOUT_MS = 30_000;

export interface Gateway {
  readonly server: http.Server | https.Server;
  readonly port: number;
  readonly url: string;
  readonly hub: Hub;
  /** Stops accepting, tells hub clients to reconnect elsewhere, finishes what is in flight. */
  close(): Promise<void>;
}

/**
 * Whether a request is a top-level navigation that should get the shell. Browsers that send no
 * Sec-Fetch-Dest get the proxied page, whose hooks move it into a shell when they find
 * themselves top-level (see inject/hooks).
 */
export function wantsShell(req: http.IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  return req.headers['sec-fetch-dest'] === 'document';
}

/** Whether an Origin header names the host the request was made to. */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === String(host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

export async function startGateway(app: App, opts: { port?: number; host?: string } = {}): Promise<Gateway> {
  const assets = new Assets();
  // Who still stands among the operators: the call flow's membership and the accounts, for the proxy and the hub.
  const standing = new Standing(app.store.directory, services(app).operators);
  const proxy = createProxy(app, standing);
  const hub = await startHub(app, standing);
  const api = createApi(app, { seedJar: (session, req) => seedJarFromRequest(app, session, req) });

  const consoleOrigin = new ConsoleOrigin(app.config);
  const drain = new Drain();
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    trackRequest(app, req, res);
    drain.track(res);
    route(req, res).catch((err: unknown) => {
      app.log.error({ err, url: req.url }, 'request failed');
      sendError(res, 'TANDEM_ERR_INTERNAL');
    });
  };

  /**
   * The customer's shell, with the session its `tandem_p` names when that session still lives:
   * a reload resumes the call without a request of the shell's own.
   */
  async function sendCustomerShell(req: http.IncomingMessage, res: http.ServerResponse, content: string): Promise<void> {
    let session: ShellConfig['session'];
    const token = tandemCookie(req.headers.cookie, PARTICIPANT_COOKIE);
    const v = token ? app.tokens.verify(token, 'hub') : null;
    if (token && v?.ok && v.claims.r === 'customer') {
      const s = await app.store.directory.getSession(v.claims.s).catch(() => null);
      if (s && s.status !== 'ended') session = { id: s.id, code: s.code, token, name: v.claims.n };
    }
    sendShell(res, assets, {
      role: 'customer',
      content,
      hub: '/__tandem/hub',
      control: app.config.operatorControl,
      mask: app.config.mask,
      session,
    });
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let path = req.url ?? '/';
    const q = path.indexOf('?');
    const decision = consoleOrigin.decide(req, q < 0 ? path : path.slice(0, q));
    if (decision.kind === 'redirect') {
      res.writeHead(302, { location: decision.location, 'cache-control': 'no-store' });
      return void res.end();
    }
    if (decision.kind === 'refuse') return sendError(res, decision.code, decision.message);
    const resource = parseResourcePath(path);
    if (resource) {
      // An operator's mirror: the page's own resources, by the token alone, GET and HEAD only.
      if (!isResourceDestination(req)) return sendError(res, 'TANDEM_ERR_FORBIDDEN', 'a resource URL loads no document');
      if (!isGatewayPath(resource.path) || (resource.path.startsWith('/__tandem/') && !resource.path.startsWith('/__tandem/o/')))
        return sendError(res, 'TANDEM_ERR_BAD_REQUEST', 'a resource URL names a proxied path');
      req.url = path = resource.path;
      resourceTokens.set(req, resource.token);
      return proxy.handle(req, res);
    }
    if (!path.startsWith('/__tandem/') || path.startsWith('/__tandem/o/')) {
      if (wantsShell(req)) return sendCustomerShell(req, res, path);
      return proxy.handle(req, res);
    }
    setOwnHeaders(res, tls !== null);
    const url = new URL(path, 'http://gateway');
    const p = url.pathname;
    if (p === '/__tandem/shell') {
      // Browsers that send no Sec-Fetch-Dest get the proxied page at top level; its hooks send it
      // here, into a shell whose content frame shows that page.
      const content = url.searchParams.get('u') ?? '/';
      const proxied = isGatewayPath(content) && (!content.startsWith('/__tandem/') || content.startsWith('/__tandem/o/'));
      if (!proxied) return sendError(res, 'TANDEM_ERR_BAD_REQUEST', 'u must be the path of a proxied page');
      return sendCustomerShell(req, res, content);
    }
    if (p === '/__tandem/healthz') return sendHealth(res);
    if (p === '/__tandem/readyz') return sendReadiness(app, res, drain.draining);
    if (p === '/__tandem/metrics') {
      const body = await app.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': app.metrics.registry.contentType, 'cache-control': 'no-store' });
      return void res.end(body);
    }
    if (p.startsWith('/__tandem/assets/')) return assets.serve(req, res, p.slice('/__tandem/assets/'.length));
    if (p.startsWith('/__tandem/api/')) {
      // A call made from another origin with this one's cookies (a proxied page calling the
      // console, say) is refused; same-origin calls and non-browser clients pass.
      const origin = req.headers.origin;
      if (origin !== undefined && !sameHost(origin, req.headers.host))
        return sendError(res, 'TANDEM_ERR_FORBIDDEN', 'a call from another origin is refused');
      return api.handle(req, res, url);
    }
    if (p === '/__tandem/csp-report') return proxy.cspReport(req, res);
    if (await handleTandemPage(app, assets, req, res, url)) return;
    return sendError(res, 'TANDEM_ERR_NOT_FOUND', `no Tandem resource at ${p}`);
  }

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    assignRequestId(req);
    drain.trackUpgrade(socket);
    const path = req.url ?? '/';
    if (path === '/__tandem/hub' || path.startsWith('/__tandem/hub?')) return hub.handleUpgrade(req, socket, head);
    if (consoleOrigin.sideOf(req) === 'console') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (path.startsWith('/__tandem/') && !path.startsWith('/__tandem/o/')) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    proxy.upgrade(req, socket, head);
  };

  const tls =
    app.config.tlsCert && app.config.tlsKey ? { cert: readFileSync(app.config.tlsCert), key: readFileSync(app.config.tlsKey) } : null;
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  // A request must arrive whole (head and body) within REQUEST_TIMEOUT_MS, or its socket is cut:
  // a slow body cannot hold a connection forever. This bounds receiving the request only; a
  // slow origin's answer is bounded by the proxy's own origin timeout. Tandem's own bodies have
  // a tighter bound of their own (request-body.ts).
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = 65_000;

  const port = opts.port ?? app.config.port;
  const host = opts.host ?? app.config.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;

  return {
    server,
    port: actual,
    url: `${tls ? 'https' : 'http'}://${shownHost}:${actual}`,
    hub,
    async close() {
      // Stop accepting first; requests in flight finish (cut after 8 s, within main's 10 s).
      const drained = drain.close(server, 8000);
      // The API's open event streams end now (consoles reconnect to another replica), so they do not hold the drain.
      const apiClosed = api.close();
      await withTimeout(hub.shutdown(), 5000, 'the hub shutdown').catch((err: Error) =>
        app.log.warn({ err: { message: err.message } }, 'shutdown: hub'),
      );
      await drain.cutUpgrades(1000);
      await drained;
      await Promise.all([apiClosed, proxy.close()]);
    },
  };
}
