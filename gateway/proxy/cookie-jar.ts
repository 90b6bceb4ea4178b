/**
 * A session's origin cookies, kept on the server (DESIGN "Sessions, cookies and what operators
 * see"): filled from the customer's requests and the origins' Set-Cookie headers, and sent in
 * place of the operator's own cookies, so an operator sees the customer's logged-in pages while
 * no origin cookie is ever set in an operator's browser. The jar follows RFC 6265 (domain and
 * path matching, Max-Age over Expires, deletion by a past expiry) for the REAL origin URLs.
 *
 * Stored as one hash per session (`jar:<sessionId>`), one field per (name, domain, path), so
 * every replica sees the same jar.
 */

import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { App } from '../app.js';
import type { Directory } from '../../store/directory.js';
import { originCookies, type CookiePair } from '../identity/cookies.js';

export interface JarCookie {
  name: string;
  value: string;
  /** Lower case, no leading dot. */
  domain: string;
  /** True when the cookie had no Domain attribute: it goes back to that exact host only. */
  hostOnly: boolean;
  path: string;
  /** Epoch ms; null for a session cookie. */
  expires: number | null;
  secure: boolean;
}

/** What one Set-Cookie line asks for: store this cookie, or delete it (expiry in the past). */
export interface SetCookieEffect {
  cookie: JarCookie;
  remove: boolean;
}

/** RFC 6265 §5.1.4: the directory of the request path. */
export function defaultPath(pathname: string): string {
  if (!pathname.startsWith('/')) return '/';
  const last = pathname.lastIndexOf('/');
  return last <= 0 ? '/' : pathname.slice(0, last);
}

export function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  return !isIP(host) && host.endsWith('.' + domain);
}

export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

/** Parses one Set-Cookie line received from `url`; null when a browser would ignore it. */
export function parseSetCookie(line: string, url: URL, now = Date.now()): SetCookieEffect | null {
  const parts = line.split(';');
  const pair = parts.shift() ?? '';
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (!name || name.length + value.length > 4096) return null;

  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  let domain: string | null = null;
  let path: string | null = null;
  let maxAge: number | null = null;
  let expires: number | null = null;
  let secure = false;
  for (const part of parts) {
    const i = part.indexOf('=');
    const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? '' : part.slice(i + 1).trim();
    if (key === 'domain' && val) domain = val.replace(/^\./, '').toLowerCase();
    else if (key === 'path') path = val.startsWith('/') ? val : null;
    else if (key === 'max-age' && /^-?\d+$/.test(val)) maxAge = Number(val);
    else if (key === 'expires') {
      const t = Date.parse(val);
      if (Number.isFinite(t)) expires = t;
    } else if (key === 'secure') secure = true;
  }
  if (domain !== null && !domainMatches(host, domain)) return null;
  const expiry = maxAge !== null ? (maxAge <= 0 ? 0 : now + maxAge * 1000) : expires;
  const cookie: JarCookie = {
    name,
    value,
    domain: domain ?? host,
    hostOnly: domain === null,
    path: path ?? defaultPath(url.pathname),
    expires: expiry,
    secure,
  };
  return { cookie, remove: expiry !== null && expiry <= now };
}

function fieldOf(c: Pick<JarCookie, 'name' | 'domain' | 'path'>): string {
  return JSON.stringify([c.name, c.domain, c.path]);
}

/** The jar's cookies that a browser would send to `url`, most specific path first. */
export function cookiesFor(jar: readonly JarCookie[], url: URL, now = Date.now()): JarCookie[] {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  return jar
    .filter(
      (c) =>
        (c.expires === null || c.expires > now) &&
        (c.hostOnly ? host === c.domain : domainMatches(host, c.domain)) &&
        pathMatches(url.pathname || '/', c.path) &&
        (!c.secure || secure),
    )
    .sort((a, b) => b.path.length - a.path.length);
}

/** More than browsers keep for one site (about 180), fewer than a flood. */
export const MAX_JAR_COOKIES = 300;

export function jarKey(session: string): string {
  return `jar:${session}`;
}

export class CookieJar {
  constructor(
    private readonly directory: Directory,
    /** How long a jar outlives its last change. */
    private readonly ttlMs: number,
  ) {}

  async load(session: string, now = Date.now()): Promise<JarCookie[]> {
    const fields = await this.directory.hashGetAll(jarKey(session));
    const out: JarCookie[] = [];
    for (const raw of Object.values(fields)) {
      try {
        const c = JSON.parse(raw) as JarCookie;
        if (c.expires === null || c.expires > now) out.push(c);
      } catch {
        /* a damaged field is as good as absent */
      }
    }
    return out;
  }

  /** Records what the origin's Set-Cookie lines do, for the real URL that answered. */
  async recordResponse(session: string, url: URL, lines: readonly string[], now = Date.now()): Promise<void> {
    const fields = new Set(Object.keys(await this.directory.hashGetAll(jarKey(session))));
    for (const line of lines) {
      const effect = parseSetCookie(line, url, now);
      if (!effect) continue;
      const field = fieldOf(effect.cookie);
      // A hostile origin could set cookies without end: past the cap, only known ones change.
      if (!fields.has(field) && fields.size >= MAX_JAR_COOKIES) continue;
      if (!effect.remove) fields.add(field);
      await this.directory.hashSet(jarKey(session), field, effect.remove ? null : JSON.stringify(effect.cookie), this.ttlMs);
    }
  }

  /**
   * Records the cookies a customer's browser sent to `url`. They come without attributes: a
   * value updates the most specific jar cookie of that name that applies to the URL, and a name
   * the jar does not know yet (set before the session began, or by a script) is kept as a
   * host-only cookie for the whole host.
   */
  async recordRequest(session: string, url: URL, pairs: readonly CookiePair[], now = Date.now()): Promise<void> {
    if (pairs.length === 0) return;
    const all = await this.load(session, now);
    const applicable = cookiesFor(all, url, now);
    let count = all.length;
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    // Browsers send the most specific of same-named cookies first, the order cookiesFor gives.
    const used = new Set<JarCookie>();
    for (const { name, value } of pairs) {
      if (!name) continue;
      const known = applicable.find((c) => c.name === name && !used.has(c));
      if (known) used.add(known);
      if (known && known.value === value) continue;
      if (!known && count++ >= MAX_JAR_COOKIES) continue;
      const cookie: JarCookie = known
        ? { ...known, value }
        : { name, value, domain: host, hostOnly: true, path: '/', expires: null, secure: false };
      await this.directory.hashSet(jarKey(session), fieldOf(cookie), JSON.stringify(cookie), this.ttlMs);
    }
  }

  /** The Cookie header for an operator's request to `url` (empty string: none). */
  async headerFor(session: string, url: URL, now = Date.now()): Promise<string> {
    return cookiesFor(await this.load(session, now), url, now)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

/**
 * For the session code, when a customer starts a session: the origin cookies their browser sent
 * with that request (those of the primary origin at Path=/) go into the jar at once, so an
 * operator who joins before the customer's next page load already sees the logged-in pages.
 */
export async function seedJarFromRequest(app: App, session: string, req: IncomingMessage): Promise<void> {
  const jar = new CookieJar(app.store.directory, app.config.retentionMs);
  await jar.recordRequest(session, new URL(app.origin + '/'), originCookies(req.headers.cookie));
}
