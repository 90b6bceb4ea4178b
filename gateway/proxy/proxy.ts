/**
 * The reverse proxy for the primary origin (at the gateway root) and the allowed origins (under
 * /__tandem/o/<scheme>/<host>/). It decides where a request may go (nowhere unconfigured: the
 * gateway is never an open proxy), what the origin is shown (its own Host, Origin and Referer, the
 * right cookies), and what the browser gets back: HTML and CSS rewritten as streams, everything
 * else byte-identical. Failures before the origin's first byte become a 502/504 naming the origin.
 */

import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { App } from '../app.js';
import { ERRORS, sendError, type ErrorCode } from '../errors.js';
import { Assets, escapeHtml } from '../pages.js';
import { statusClass } from '../ops/metrics.js';
import { requestId } from '../ops/request-id.js';
import { createOriginMap, mapUrl, realOriginOfPath, unmapPath, type OriginMap } from '../../protocol/url-map.js';
import { createUpstream, UpstreamError, type UpstreamTarget } from './upstream.js';
import { chooseEncoding, decodableCoding, decoder, encoder, flushWhenIdle, originAcceptEncoding } from './compression.js';
import { CookieJar } from './cookie-jar.js';
import { originCookies, serializeCookies } from '../identity/cookies.js';
import { Participants, type Participant } from '../identity/participant.js';
import { acceptCspReport } from './csp-report.js';
import type { Standing } from '../identity/standing.js';
import { trustedProxies } from '../identity/client-address.js';
import { rewriteBodyStream, rewriteResponseHead, type BodyKind } from './rewriting.js';

export interface Proxy {
  /** Proxies one request (primary origin at the root, allowed origins under /__tandem/o/). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Proxies an origin WebSocket upgrade. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** `/__tandem/csp-report`: counts and logs what escaped the rewriting. */
  cspReport(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the gateway answers itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'http2-settings',
]);

/**
 * What an operator's browser may ask of an origin: to load what the customer's page shows, never
 * to act. Operators act through the customer's page (the hub checks TANDEM_OPERATOR_CONTROL
 * there); a POST of their own would carry the session's cookies past that check.
 */
export function operatorMayLoad(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

const OPERATOR_READ_ONLY = "an operator's browser may only GET and HEAD through the gateway: operators act through the customer's page";

export function createProxy(app: App, standing: Standing): Proxy {
  const map: OriginMap = createOriginMap(app.origin, app.config.allow);
  const upstream = createUpstream({
    timeoutMs: app.config.originTimeoutMs,
    ca: app.config.caFile ? readFileSync(app.config.caFile) : null,
  });
  const participants = new Participants(app, standing);
  const trusted = trustedProxies(app.config.trustedProxies);
  // Who may frame a proxied page: the gateway itself (the shell's content frame), nobody else.
  const framingAncestors = ["'self'", ...(app.config.publicUrl ? [app.config.publicUrl] : [])];
  const jar = new CookieJar(app.store.directory, app.config.retentionMs);
  const assets = new Assets();
  const gatewaySecure = app.config.tlsCert !== null || (app.config.publicUrl?.startsWith('https:') ?? false);

  /** The gateway's own origin as the browser sees it, to recognise its URLs in Origin and Referer. */
  function gatewayOrigin(req: IncomingMessage): string {
    return app.config.publicUrl ?? `${gatewaySecure ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  }

  function gatewayHost(req: IncomingMessage): string {
    return app.config.publicUrl ? new URL(app.config.publicUrl).host : (req.headers.host ?? '');
  }

  /** A gateway URL (Referer) → the real URL behind it; null when it is not one of ours. */
  function realUrlOf(req: IncomingMessage, value: string): string | null {
    const own = gatewayOrigin(req);
    if (!value.startsWith(own) || !/^[/?#]?$/.test(value.charAt(own.length))) return null;
    const rest = value.slice(own.length) || '/';
    return unmapPath(rest.startsWith('/') ? rest : '/' + rest, map);
  }

  /** The headers the origin is shown: as if the browser had talked to it directly. */
  async function originHeaders(req: IncomingMessage, target: URL, who: Participant | null, upgrade: boolean): Promise<IncomingHttpHeaders> {
    const out: IncomingHttpHeaders = {};
    const listed = new Set(
      String(req.headers.connection ?? '')
        .toLowerCase()
        .split(',')
        .map((s) => s.trim()),
    );
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && !listed.has(name)) out[name] = value;
    }
    if (upgrade) {
      out.connection = 'Upgrade';
      out.upgrade = req.headers.upgrade;
    }
    out.host = target.host;

    const rawReferer = req.headers.referer;
    const referer = typeof rawReferer === 'string' ? realUrlOf(req, rawReferer) : null;
    if (referer) out.referer = referer;
    // Tandem's own pages (shell, console) are nothing the origin should hear about.
    else if (typeof rawReferer === 'string' && rawReferer.startsWith(gatewayOrigin(req) + '/')) delete out.referer;
    if (req.headers.origin !== undefined && req.headers.origin === gatewayOrigin(req)) {
      // The page that made the request is the Referer's; without one, the primary origin's.
      out.origin = referer ? new URL(referer).origin : map.primary;
    }

    delete out.cookie;
    const own = originCookies(req.headers.cookie);
    if (who?.role === 'operator') {
      const header = await jar.headerFor(who.session, target).catch((err: unknown) => {
        app.metrics.storeErrors.inc();
        app.log.warn({ err, reqId: requestId(req) }, 'cookie jar: could not read; the operator request goes without cookies');
        return '';
      });
      if (header) out.cookie = header;
    } else {
      if (own.length > 0) out.cookie = serializeCookies(own);
      // Awaited, so an operator's next request already sees what this one carried.
      if (who) {
        await jar.recordRequest(who.session, target, own).catch((err: unknown) => {
          app.metrics.storeErrors.inc();
          app.log.warn({ err, reqId: requestId(req) }, 'cookie jar: could not record request cookies');
        });
      }
    }

    if (!upgrade) out['accept-encoding'] = originAcceptEncoding(req.headers['accept-encoding']);
    // A client's own X-Forwarded-For is passed on only when a trusted proxy relayed it.
    out['x-forwarded-for'] = trusted.forwardedFor(req);
    out['x-forwarded-proto'] = gatewaySecure ? 'https' : 'http';
    out['x-forwarded-host'] = req.headers.host ?? '';
    return out;
  }

  function finish(req: IncomingMessage, res: ServerResponse, startedAt: bigint, target: string): void {
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const status = res.statusCode;
      app.metrics.proxyDuration.observe({ status_class: statusClass(status) }, seconds);
      app.log.info(
        {
          reqId: requestId(req),
          method: req.method,
          url: req.url,
          origin: target,
          status,
          ms: Math.round(seconds * 1e4) / 10,
          complete: res.writableFinished,
        },
        'proxied',
      );
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = process.hrtime.bigint();
    const path = req.url ?? '/';
    const real = unmapPath(path, map);
    const origin = realOriginOfPath(path, map);
    finish(req, res, startedAt, origin ?? 'none');
    if (real === null || origin === null) {
      return sendError(res, 'TANDEM_ERR_HOST_NOT_ALLOWED', 'that origin is not configured for this gateway');
    }
    const target = new URL(real);
    const who = await participants.of(req);
    if (who?.role === 'operator' && !operatorMayLoad(req.method)) {
      return sendError(res, 'TANDEM_ERR_FORBIDDEN', OPERATOR_READ_ONLY, { allow: 'GET, HEAD' });
    }

    const upstreamTarget: UpstreamTarget = {
      origin,
      path: real.slice(origin.length),
      headers: await originHeaders(req, target, who, false),
    };
    let proxyRes: IncomingMessage;
    try {
      proxyRes = await upstream.request(req, res, upstreamTarget);
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === 'client-gone') return;
      const timeout = err instanceof UpstreamError && err.kind === 'timeout';
      app.log.warn(
        { reqId: requestId(req), origin, err: { message: (err as Error).message } },
        timeout ? 'origin timed out' : 'origin unreachable',
      );
      return sendOriginError(req, res, timeout ? 'TANDEM_ERR_UPSTREAM_TIMEOUT' : 'TANDEM_ERR_UPSTREAM_UNREACHABLE', origin);
    }
    await respond(req, res, proxyRes, target, who);
  }

  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    proxyRes: IncomingMessage,
    target: URL,
    who: Participant | null,
  ): Promise<void> {
    const status = proxyRes.statusCode ?? 502;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(proxyRes.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }

    const setCookies = proxyRes.headers['set-cookie'] ?? [];
    if (who && setCookies.length > 0) {
      try {
        await jar.recordResponse(who.session, target, setCookies);
      } catch (err) {
        app.metrics.storeErrors.inc();
        app.log.warn({ err, reqId: requestId(req) }, 'cookie jar: could not record Set-Cookie');
      }
    }
    if (who?.role === 'operator') delete headers['set-cookie'];

    const bodyless = req.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
    const kind = bodyless || status === 206 ? null : bodyKindOf(proxyRes.headers['content-type']);
    const coding = kind ? decodableCoding(proxyRes.headers['content-encoding']) : null;
    const rewrite = kind !== null && coding !== null;

    const head = rewriteResponseHead({
      status,
      headers,
      realUrl: target.href,
      map,
      gatewaySecure,
      gatewayHost: gatewayHost(req),
      cspMode: app.config.cspMode,
      kind: rewrite ? kind : null,
    });
    if (bodyKindOf(proxyRes.headers['content-type']) === 'html') addFramingPolicy(head.headers, framingAncestors);
    const leavingFor = foreignRedirect(req, status, proxyRes.headers.location, target);
    if (leavingFor) return leaveInNewTab(req, res, leavingFor, target, head.nonce);
    if (!rewrite) {
      res.writeHead(status, head.headers);
      passThrough(proxyRes, res, (err) =>
        app.log.warn({ reqId: requestId(req), err: { message: err.message } }, 'proxied body ended early'),
      );
      return;
    }

    // The rewriters drop what depends on the exact bytes; the coding is ours to choose again.
    delete head.headers['content-length'];
    delete head.headers['content-encoding'];
    const out = chooseEncoding(req.headers['accept-encoding']);
    if (out) head.headers['content-encoding'] = out;
    head.headers.vary = addVary(head.headers.vary, 'accept-encoding');
    res.writeHead(status, head.headers);

    const hooks = assets.url('hooks.js');
    const rewriter = rewriteBodyStream(kind, {
      map,
      realUrl: target.href,
      gatewaySecure,
      hooksSrc: hooks,
      nonce: head.nonce,
      mask: app.config.mask,
    });
    const stages: (NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream)[] = [proxyRes];
    if (coding !== 'identity') stages.push(decoder(coding));
    stages.push(countBytes((n) => app.metrics.rewrittenBytes.inc({ kind }, n)));
    stages.push(rewriter);
    if (out) {
      const enc = encoder(out);
      stages.push(flushWhenIdle(enc), enc);
    }
    stages.push(res);
    pipeline(stages, (err) => {
      if (err) app.log.warn({ reqId: requestId(req), err: { message: err.message } }, 'rewritten body ended early');
    });
  }

  /** The foreign URL a navigation's redirect leads to, or null when it stays inside the gateway. */
  function foreignRedirect(req: IncomingMessage, status: number, location: string | undefined, target: URL): string | null {
    if (status < 300 || status >= 400 || !location || req.headers['sec-fetch-mode'] !== 'navigate') return null;
    const r = mapUrl(location, target.href, map);
    return r.kind === 'foreign' ? new URL(location, target).href : null;
  }

  /**
   * A redirect out of the allowed origins would take the content frame, and the session, away
   * silently. Instead the frame shows a page (with the hooks, so everyone sees it) whose link
   * opens the destination in a new tab outside the session.
   */
  function leaveInNewTab(req: IncomingMessage, res: ServerResponse, destination: string, target: URL, nonce: string | null): void {
    const host = new URL(destination).host;
    const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Leaving the shared session</title></head>
<body style="font:16px system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em">
<h1 style="font-size:1.4em">This link leaves the shared session</h1>
<p>The page continues on <strong>${escapeHtml(host)}</strong>, which is not part of this co-browsing session.</p>
<p><a data-tandem="leave-link" href="${escapeHtml(destination)}">Open ${escapeHtml(host)} in a new tab</a></p>
</body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    const rewriter = rewriteBodyStream('html', {
      map,
      realUrl: target.href,
      gatewaySecure,
      hooksSrc: assets.url('hooks.js'),
      nonce,
      mask: app.config.mask,
    });
    pipeline(Readable.from([Buffer.from(page)]), rewriter, res, (err) => {
      if (err) app.log.warn({ reqId: requestId(req), err: { message: err.message } }, 'leaving page ended early');
    });
  }

  function sendOriginError(req: IncomingMessage, res: ServerResponse, code: ErrorCode, origin: string): void {
    if (res.headersSent) return void res.destroy();
    const { status, text } = ERRORS[code];
    const message = `${origin}: ${text}`;
    if (!wantsHtml(req)) return sendError(res, code, message);
    const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${status} ${escapeHtml(text)}</title></head><body><h1>${escapeHtml(text[0].toUpperCase() + text.slice(1))}</h1><p>The site <strong>${escapeHtml(origin)}</strong> ${code === 'TANDEM_ERR_UPSTREAM_TIMEOUT' ? 'did not answer in time' : 'could not be reached'}. Please try again in a moment.</p><p><code>${code}</code></p></body></html>`;
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = req.url ?? '/';
    const real = unmapPath(path, map);
    const origin = realOriginOfPath(path, map);
    if (real === null || origin === null) {
      socket.end(
        'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n' +
          JSON.stringify({ error: 'TANDEM_ERR_HOST_NOT_ALLOWED', message: ERRORS.TANDEM_ERR_HOST_NOT_ALLOWED.text }),
      );
      return;
    }
    const target = new URL(real);
    const who = await participants.of(req);
    if (who?.role === 'operator') {
      // A socket to the origin would let the operator's browser send whatever it likes with the session's cookies.
      socket.end(
        'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n' +
          JSON.stringify({ error: 'TANDEM_ERR_FORBIDDEN', message: OPERATOR_READ_ONLY }),
      );
      return;
    }
    const headers = await originHeaders(req, target, who, true);
    const onError = (err: UpstreamError): void => {
      app.log.warn({ reqId: requestId(req), origin, err: { message: err.message } }, 'origin websocket failed');
    };
    upstream.upgrade(req, socket, head, { origin, path: real.slice(origin.length), headers }, onError, (answer) => {
      // A handshake may set cookies too: the same rules as for any response.
      const setCookies = answer['set-cookie'] ?? [];
      if (who && setCookies.length > 0) {
        jar.recordResponse(who.session, target, setCookies).catch((err: unknown) => {
          app.metrics.storeErrors.inc();
          app.log.warn({ err, reqId: requestId(req) }, 'cookie jar: could not record Set-Cookie');
        });
      }
      const fixed: IncomingHttpHeaders = { ...answer };
      if (who?.role === 'operator') delete fixed['set-cookie'];
      const head = rewriteResponseHead({
        status: 101,
        headers: fixed,
        realUrl: target.href,
        map,
        gatewaySecure,
        gatewayHost: gatewayHost(req),
        cspMode: app.config.cspMode,
        kind: null,
      });
      return head.headers as IncomingHttpHeaders;
    });
  }

  return {
    handle(req, res) {
      handle(req, res).catch((err: unknown) => {
        app.log.error({ err, reqId: requestId(req) }, 'proxy failed');
        sendError(res, 'TANDEM_ERR_INTERNAL');
      });
    },
    upgrade(req, socket, head) {
      upgrade(req, socket, head).catch((err: unknown) => {
        app.log.error({ err, reqId: requestId(req) }, 'proxy upgrade failed');
        socket.destroy();
      });
    },
    cspReport(req, res) {
      acceptCspReport(app, req, res);
    },
    close: () => upstream.close(),
  };
}

/**
 * Streams an origin's body to the client untouched. stream.pipeline() would do it, but it aborts
 * an AbortController whenever it finishes, and the DOMException that builds cost about a third
 * of a passthrough request's CPU (measured under autocannon, 16 connections, with --cpu-prof).
 * What it adds that matters here is kept: an origin body cut short cuts the client's response
 * (it must not look complete), and a client that goes away releases the origin's response.
 */
function passThrough(from: IncomingMessage, to: ServerResponse, onCut: (err: Error) => void): void {
  from.on('error', (err) => {
    onCut(err);
    to.destroy(err);
  });
  to.on('close', () => {
    if (!from.readableEnded) from.destroy();
  });
  from.pipe(to);
}

/**
 * Every proxied HTML document may be framed by the gateway's own origin only. The origin's
 * X-Frame-Options must go (the shell frames the page), and an origin without one would be
 * framable by any site: this enforced policy stands in for both. Added as a policy of its own,
 * so it holds whatever the origin's policies say.
 */
export function addFramingPolicy(headers: OutgoingHttpHeaders, ancestors: readonly string[]): void {
  const all = headers as Record<string, number | string | string[] | undefined>;
  const current = all['content-security-policy'];
  const list = current === undefined ? [] : Array.isArray(current) ? current : [String(current)];
  all['content-security-policy'] = [...list, `frame-ancestors ${ancestors.join(' ')}`];
}

export function bodyKindOf(contentType: string | undefined): BodyKind | null {
  const type = (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type === 'text/css') return 'css';
  return null;
}

function wantsHtml(req: IncomingMessage): boolean {
  const dest = req.headers['sec-fetch-dest'];
  if (dest === 'document' || dest === 'iframe' || dest === 'frame') return true;
  if (dest !== undefined && dest !== 'empty') return false;
  return /\btext\/html\b/.test(String(req.headers.accept ?? ''));
}

function addVary(current: OutgoingHttpHeaders[string], name: string): string {
  const list = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.includes('*') || list.some((v) => v.toLowerCase() === name)) return list.join(', ');
  return [...list, name].join(', ');
}

function countBytes(add: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      add(chunk.length);
      cb(null, chunk);
    },
  });
}
