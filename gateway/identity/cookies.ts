/**
 * Tandem's own cookies, and the one parser of Cookie headers. Every cookie whose name starts
 * with `tandem_` is Tandem's: it is read here and never reaches an origin, whoever asks
 * (originCookies). The rest are the origin's and are passed on byte for byte.
 *
 *   tandem_p        a participant's hub token (customer's origin, Path=/)
 *   tandem_console  an operator's console token (Path=/__tandem)
 */

import type { IncomingMessage } from 'node:http';
import type { App } from '../app.js';
import { trustedProxies } from './client-address.js';

export const PARTICIPANT_COOKIE = 'tandem_p';
export const CONSOLE_COOKIE = 'tandem_console';
const TANDEM_COOKIE_PREFIX = 'tandem_';

export interface CookiePair {
  name: string;
  value: string;
}

/** Splits a Cookie header into pairs, in order, values as sent; tolerant of junk the way browsers are. */
export function parseCookieHeader(header: string | string[] | undefined): CookiePair[] {
  const raw = Array.isArray(header) ? header.join('; ') : (header ?? '');
  const pairs: CookiePair[] = [];
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    // A cookie without `=` has an empty name (RFC 6265bis); keep it, it may matter to the origin.
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    const value = (eq < 0 ? part : part.slice(eq + 1)).trim();
    if (name === '' && value === '') continue;
    pairs.push({ name, value });
  }
  return pairs;
}

export function serializeCookies(pairs: readonly CookiePair[]): string {
  return pairs.map((p) => (p.name === '' ? p.value : `${p.name}=${p.value}`)).join('; ');
}

export function isTandemCookie(name: string): boolean {
  return name.toLowerCase().startsWith(TANDEM_COOKIE_PREFIX);
}

/** The request's cookies that belong to the origin (every `tandem_*` one removed). */
export function originCookies(header: string | string[] | undefined): CookiePair[] {
  return parseCookieHeader(header).filter((p) => !isTandemCookie(p.name));
}

/**
 * The value of one of Tandem's cookies (the first of that name, as browsers send the most
 * specific first), unquoted and decoded as serializeCookie encoded it; undefined when absent.
 */
export function tandemCookie(header: string | string[] | undefined, name: string): string | undefined {
  const pair = parseCookieHeader(header).find((p) => p.name === name);
  if (!pair) return undefined;
  let value = pair.value;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
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

/** A Set-Cookie line for one of Tandem's cookies: HttpOnly, SameSite=Lax, Secure where the browser is on https. */
export function serializeCookie(app: App, req: IncomingMessage, name: string, value: string, opts: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${opts.path}`, 'HttpOnly', 'SameSite=Lax'];
  if (opts.maxAgeS !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(opts.maxAgeS))}`);
  if (isSecure(app, req)) parts.push('Secure');
  return parts.join('; ');
}

export function clearCookie(app: App, req: IncomingMessage, name: string, path: string): string {
  return serializeCookie(app, req, name, '', { path, maxAgeS: 0 });
}
