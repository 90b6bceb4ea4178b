/**
 * The reverse proxy for the primary origin (at the gateway root) and the allowed origins (under
 * /__tandem/o/<scheme>/<host>/). It decides where a request may go (nowhere unconfigured: the
 * gateway is never an open proxy), what the origin is shown (its own Host, Origin and Referer, the
 * right cookies), and what the browser gets back: HTML and CSS rewritten as streams, everything
 * else byte-identical. Failures before the origin's first byte become a 502/504 naming the origin.
 */

import { readFileSync } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { App } from '../app.js';
import { sendError } from '../errors.js';
import { Assets } from '../pages.js';
import { statusClass } from '../ops/metrics.js';
import { requestId } from '../ops/request-id.js';
import { createOriginMap, realOriginOfPath, unmapPath, type OriginMap } from '../../protocol/url-map.js';
import { createUpstream, UpstreamError, type UpstreamTarget } from './upstream.js';
import { chooseEncoding, decodableCoding, decoder, encoder, flushWhenIdle } from './compression.js';
import { CookieJar } from './cookie-jar.js';
import { Participants, type Participant } from '../identity/participant.js';
import { acceptCspReport } from './csp-report.js';
import type { Standing } from '../identity/standing.js';
import { GatewayAddress, HOP_BY_HOP, OriginHeaders } from './origin-headers.js';
import { foreignRedirect, leaveInNewTab, sendOriginError } from './origin-pages.js';
import { proxyOriginSocket } from './origin-socket.js';
import { rewriteBodyStream, rewriteResponseHead, type BodyContext, type BodyKind } from './rewriting.js';

export interface Proxy {
  /** Proxies one request (primary origin at the root, allowed origins under /__tandem/o/). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Proxies an origin WebSocket upgrade. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** `/__tandem/csp-report`: counts and logs what escaped the rewriting. */
  cspReport(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

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
  // Who may frame a proxied page: the gateway itself (the shell's content frame), nobody else.
  const framingAncestors = ["'self'", ...(app.config.publicUrl ? [app.config.publicUrl] : [])];
  const jar = new CookieJar(app.store.directory, app.config.retentionMs);
  const assets = new Assets();
  const gateway = new GatewayAddress(
    app.config.publicUrl,
    app.config.tlsCert !== null || (app.config.publicUrl?.startsWith('https:') ?? false),
    map,
  );
  const originHeaders = new OriginHeaders(app, map, gateway, jar);
  const rewriteContext = (target: URL, nonce: string | null): BodyContext => ({
    map,
    realUrl: target.href,
    gatewaySecure: gateway.secure,
    hooksSrc: assets.url('hooks.js'),
    nonce,
    mask: app.config.mask,
  });

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
      headers: await originHeaders.of(req, target, who, false),
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
      gatewaySecure: gateway.secure,
      gatewayHost: gateway.host(req),
      cspMode: app.config.cspMode,
      kind: rewrite ? kind : null,
    });
    if (bodyKindOf(proxyRes.headers['content-type']) === 'html') addFramingPolicy(head.headers, framingAncestors);
    const leavingFor = foreignRedirect(req, status, proxyRes.headers.location, target, map);
    if (leavingFor) return leaveInNewTab(req, res, leavingFor, rewriteContext(target, head.nonce), app.log);
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

    const rewriter = rewriteBodyStream(kind, rewriteContext(target, head.nonce));
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

  return {
    handle(req, res) {
      handle(req, res).catch((err: unknown) => {
        app.log.error({ err, reqId: requestId(req) }, 'proxy failed');
        sendError(res, 'TANDEM_ERR_INTERNAL');
      });
    },
    upgrade(req, socket, head) {
      const parts = { app, map, gateway, headers: originHeaders, participants, jar, upstream, operatorRefusal: OPERATOR_READ_ONLY };
      proxyOriginSocket(parts, req, socket, head).catch((err: unknown) => {
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
