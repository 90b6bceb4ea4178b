/**
 * What the origin is shown of a request: the browser's own headers, as if it had talked to the
 * origin directly. Its Host, and the Referer and Origin the page's real URL gives; the cookies of
 * whoever asks (a customer's own, recorded into the session's jar; an operator's, from the jar);
 * nothing hop-by-hop; X-Forwarded-* the gateway vouches for.
 */

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { App } from '../app.js';
import { unmapPath, type OriginMap } from '../../protocol/url-map.js';
import { originCookies, serializeCookies } from '../identity/cookies.js';
import { trustedProxies, type TrustedProxies } from '../identity/client-address.js';
import type { Participant } from '../identity/participant.js';
import { requestId } from '../ops/request-id.js';
import { originAcceptEncoding } from './compression.js';
import type { CookieJar } from './cookie-jar.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the gateway answers itself. */
export const HOP_BY_HOP = new Set([
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

/** The gateway as the browser sees it: its origin and host, and the real URL behind one of its URLs. */
export class GatewayAddress {
  constructor(
    private readonly publicUrl: string | null,
    readonly secure: boolean,
    private readonly map: OriginMap,
  ) {}

  /** The gateway's own origin, to recognise its URLs in Origin and Referer. */
  origin(req: IncomingMessage): string {
    return this.publicUrl ?? `${this.secure ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  }

  host(req: IncomingMessage): string {
    return this.publicUrl ? new URL(this.publicUrl).host : (req.headers.host ?? '');
  }

  /** A gateway URL (a Referer) → the real URL behind it; null when it is not one of ours. */
  realUrlOf(req: IncomingMessage, value: string): string | null {
    const own = this.origin(req);
    if (!value.startsWith(own) || !/^[/?#]?$/.test(value.charAt(own.length))) return null;
    const rest = value.slice(own.length) || '/';
    return unmapPath(rest.startsWith('/') ? rest : '/' + rest, this.map);
  }
}

export class OriginHeaders {
  readonly #trusted: TrustedProxies;

  constructor(
    private readonly app: App,
    private readonly map: OriginMap,
    private readonly gateway: GatewayAddress,
    private readonly jar: CookieJar,
  ) {
    this.#trusted = trustedProxies(app.config.trustedProxies);
  }

  /** The headers for `target`, asked by `who` (null: no session); `upgrade` for a WebSocket handshake. */
  async of(req: IncomingMessage, target: URL, who: Participant | null, upgrade: boolean): Promise<IncomingHttpHeaders> {
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

    const own = this.gateway.origin(req);
    const rawReferer = req.headers.referer;
    const referer = typeof rawReferer === 'string' ? this.gateway.realUrlOf(req, rawReferer) : null;
    if (referer) out.referer = referer;
    // Tandem's own pages (shell, console) are nothing the origin should hear about.
    else if (typeof rawReferer === 'string' && rawReferer.startsWith(own + '/')) delete out.referer;
    if (req.headers.origin !== undefined && req.headers.origin === own) {
      // The page that made the request is the Referer's; without one, the primary origin's.
      out.origin = referer ? new URL(referer).origin : this.map.primary;
    }

    delete out.cookie;
    const cookie = await this.#cookie(req, target, who);
    if (cookie) out.cookie = cookie;

    if (!upgrade) out['accept-encoding'] = originAcceptEncoding(req.headers['accept-encoding']);
    // A client's own X-Forwarded-For is passed on only when a trusted proxy relayed it.
    out['x-forwarded-for'] = this.#trusted.forwardedFor(req);
    out['x-forwarded-proto'] = this.gateway.secure ? 'https' : 'http';
    out['x-forwarded-host'] = req.headers.host ?? '';
    return out;
  }

  /** An operator's browser holds no origin cookie: theirs come from the session's jar. */
  async #cookie(req: IncomingMessage, target: URL, who: Participant | null): Promise<string> {
    if (who?.role === 'operator') {
      return this.jar.headerFor(who.session, target).catch((err: unknown) => {
        this.app.metrics.storeErrors.inc();
        this.app.log.warn({ err, reqId: requestId(req) }, 'cookie jar: could not read; the operator request goes without cookies');
        return '';
      });
    }
    const own = originCookies(req.headers.cookie);
    // Awaited, so an operator's next request already sees what this one carried.
    if (who) {
      await this.jar.recordRequest(who.session, target, own).catch((err: unknown) => {
        this.app.metrics.storeErrors.inc();
        this.app.log.warn({ err, reqId: requestId(req) }, 'cookie jar: could not record request cookies');
      });
    }
    return own.length > 0 ? serializeCookies(own) : '';
  }
}
