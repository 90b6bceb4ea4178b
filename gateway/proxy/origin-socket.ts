/**
 * A page's own WebSocket to its origin, proxied for the customer's browser. An operator's browser
 * never gets one: a socket would let it send whatever it likes with the session's cookies.
 */

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from '../app.js';
import { ERRORS } from '../errors.js';
import type { Participants } from '../identity/participant.js';
import { requestId } from '../ops/request-id.js';
import { realOriginOfPath, unmapPath, type OriginMap } from '../../protocol/url-map.js';
import type { CookieJar } from './cookie-jar.js';
import type { GatewayAddress, OriginHeaders } from './origin-headers.js';
import { rewriteResponseHead } from './rewriting.js';
import type { Upstream, UpstreamError } from './upstream.js';

export interface OriginSocketParts {
  app: App;
  map: OriginMap;
  gateway: GatewayAddress;
  headers: OriginHeaders;
  participants: Participants;
  jar: CookieJar;
  upstream: Upstream;
  /** What an operator is told when refused. */
  operatorRefusal: string;
}

function refuse(socket: Duplex, status: string, error: string, message: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n` + JSON.stringify({ error, message }));
}

export async function proxyOriginSocket(p: OriginSocketParts, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const path = req.url ?? '/';
  const real = unmapPath(path, p.map);
  const origin = realOriginOfPath(path, p.map);
  if (real === null || origin === null) {
    return refuse(socket, '403 Forbidden', 'TANDEM_ERR_HOST_NOT_ALLOWED', ERRORS.TANDEM_ERR_HOST_NOT_ALLOWED.text);
  }
  const target = new URL(real);
  const who = await p.participants.of(req);
  if (who?.role === 'operator') return refuse(socket, '403 Forbidden', 'TANDEM_ERR_FORBIDDEN', p.operatorRefusal);
  const headers = await p.headers.of(req, target, who, true);
  const onError = (err: UpstreamError): void => {
    p.app.log.warn({ reqId: requestId(req), origin, err: { message: err.message } }, 'origin websocket failed');
  };
  p.upstream.upgrade(req, socket, head, { origin, path: real.slice(origin.length), headers }, onError, (answer) => {
    // A handshake may set cookies too: the same rules as for any response.
    const setCookies = answer['set-cookie'] ?? [];
    if (who && setCookies.length > 0) {
      p.jar.recordResponse(who.session, target, setCookies).catch((err: unknown) => {
        p.app.metrics.storeErrors.inc();
        p.app.log.warn({ err, reqId: requestId(req) }, 'cookie jar: could not record Set-Cookie');
      });
    }
    const head = rewriteResponseHead({
      status: 101,
      headers: { ...answer },
      realUrl: target.href,
      map: p.map,
      gatewaySecure: p.gateway.secure,
      gatewayHost: p.gateway.host(req),
      cspMode: p.app.config.cspMode,
      kind: null,
    });
    return head.headers as IncomingHttpHeaders;
  });
}
