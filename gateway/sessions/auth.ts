/**
 * Who is calling: an operator (console token as Bearer or the `tandem_console` cookie) or a
 * participant of a session (hub token as Bearer or the `tandem_p` cookie); and the cookies
 * that carry them.
 */

import type { IncomingMessage } from 'node:http';
import type { App } from '../app.js';
import type { ConsoleClaims, HubClaims } from '../hub/tokens.js';
import { trustedProxies } from '../identity/client-address.js';

export const CONSOLE_COOKIE = 'tandem_console';
export const PARTICIPANT_COOKIE = 'tandem_p';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
}

/** Whether the browser reached us over https (directly, as TANDEM_PUBLIC_URL says, or as a trusted proxy says). */
export function isSecure(app: App, req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (app.config.publicUrl?.startsWith('https:')) return true;
  return trustedProxies(app.config.trustedProxies).forwardedHttps(req);
}

export interface CookieOptions {
  path: string;
  maxAgeS?: number;
}

export function serializeCookie(app: App, req: IncomingMessage, name: string, value: string, opts: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${opts.path}`, 'HttpOnly', 'SameSite=Lax'];
  if (opts.maxAgeS !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(opts.maxAgeS))}`);
  if (isSecure(app, req)) parts.push('Secure');
  return parts.join('; ');
}

export function clearCookie(app: App, req: IncomingMessage, name: string, path: string): string {
  return serializeCookie(app, req, name, '', { path, maxAgeS: 0 });
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
  const cookies = parseCookies(req.headers.cookie);
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
    const c = app.tokens.verify(cookies[CONSOLE_COOKIE], 'console');
    if (c.ok) operator = c.claims;
  }
  if (!participant && !b) {
    const h = app.tokens.verify(cookies[PARTICIPANT_COOKIE], 'hub');
    if (h.ok) participant = h.claims;
  }
  return { operator, participant };
}
