/**
 * The caller of a REST call or a Tandem page: an operator (console token as Bearer or the
 * `tandem_console` cookie), a participant of a session (hub token as Bearer or the `tandem_p`
 * cookie), or both; and the client's address for the rate limits.
 */

import type { IncomingMessage } from 'node:http';
import type { App } from '../app.js';
import type { ConsoleClaims, HubClaims } from './tokens.js';
import { CONSOLE_COOKIE, PARTICIPANT_COOKIE, tandemCookie } from './cookies.js';
import { trustedProxies } from './client-address.js';

export function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
}

/** The client's address for rate limits (X-Forwarded-For only from TANDEM_TRUSTED_PROXIES). */
export function clientAddress(app: App, req: IncomingMessage): string {
  return trustedProxies(app.config.trustedProxies).clientAddress(req);
}

export interface Caller {
  /** An operator logged in to the console. */
  operator: ConsoleClaims | null;
  /** A participant of a session, by hub token. */
  participant: HubClaims | null;
}

/** Reads both kinds of credentials; a Bearer token wins over a cookie of the same kind. */
export function caller(app: App, req: IncomingMessage): Caller {
  const b = bearer(req);
  let operator: ConsoleClaims | null = null;
  let participant: HubClaims | null = null;
  if (b) {
    const c = app.tokens.verify(b, 'console');
    if (c.ok) operator = c.claims;
    const h = app.tokens.verify(b, 'hub');
    if (h.ok) participant = h.claims;
  }
  if (!operator) {
    const c = app.tokens.verify(tandemCookie(req.headers.cookie, CONSOLE_COOKIE), 'console');
    if (c.ok) operator = c.claims;
  }
  if (!participant && !b) {
    const h = app.tokens.verify(tandemCookie(req.headers.cookie, PARTICIPANT_COOKIE), 'hub');
    if (h.ok) participant = h.claims;
  }
  return { operator, participant };
}
