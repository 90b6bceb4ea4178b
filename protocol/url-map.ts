/**
 * The URL mapping between real origin URLs and gateway paths, written once and used by the
 * server (HTML, CSS, headers) and by the page (the in-page runtime). No Node or DOM types.
 *
 * Layout (CONTRACT §3):
 *   primary origin  https://bank.example/a?b            → /a?b
 *   allowed origin  https://static.bank.example:8443/x   → /__tandem/o/https/static.bank.example:8443/x
 *   ws / wss        map like http / https of the same host (the proxy upgrades the mapped path;
 *                   `unmapPath` always answers http(s): swap to ws(s) for an upgrade).
 * Mapped URLs are root-relative gateway paths, so they work whatever the gateway's host.
 *
 * API
 *   mapUrl(raw, baseUrl, map) → { kind, url }
 *     kind 'same'    nothing to change: url === raw (relative URLs on a primary-origin page,
 *                    relative ones without dot segments elsewhere, paths already under /__tandem/)
 *          'mapped'  url is the gateway path to use instead of raw
 *          'foreign' an http(s)/ws(s) URL of an origin that is not configured: url is the resolved
 *                    absolute URL (links open it in a new tab; resources keep raw)
 *          'other'   data:, javascript:, mailto:, blob:, about:, #fragment…: url === raw
 *     baseUrl is the REAL absolute URL the raw URL resolves against (document, stylesheet or
 *     <base href>), never the gateway URL.
 *   unmapPath(pathAndQuery, map) → the real absolute URL of a gateway path, or null when the path
 *     names no configured origin (→ 403) or is Tandem's own (/__tandem/… other than /__tandem/o/).
 *   realOriginOfPath(pathAndQuery, map) → the real origin a gateway path belongs to, or null.
 *   gatewayPathOf(absoluteUrl, map) → the gateway path of a real absolute URL, or null if foreign.
 *   originOf(absoluteUrl) → normalised origin (`https://bank.example`), ws(s) folded to http(s).
 *   parseSrcset(value) → [{ url, descriptor }], the HTML srcset parsing (server and page).
 *   knownOriginAt(s, from, to, map) → the configured origin s[from, to) starts with, when mapUrl
 *     would map it by prefix alone (the HTML rewriter's in-place path); isOnPrimary(baseUrl, map).
 */

/** The global WHATWG URL, present in Node and in browsers; declared here to stay free of DOM/Node types. */
interface WhatwgUrl {
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
  readonly href: string;
}
declare const URL: { new (url: string, base?: string): WhatwgUrl };

export interface OriginMap {
  /** The primary origin, normalised (`https://bank.example`). */
  readonly primary: string;
  /** Further allowed origins, normalised. */
  readonly allowed: readonly string[];
}

export type MapKind = 'same' | 'mapped' | 'foreign' | 'other';

export interface MappedUrl {
  readonly kind: MapKind;
  readonly url: string;
}

export const ORIGIN_PREFIX = '/__tandem/o/';
export const TANDEM_PREFIX = '/__tandem/';

const TAB_OR_NEWLINE = /[\t\n\r]/g;
// The URL parser strips leading and trailing C0 controls and spaces.
const C0_TRIM = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
// Dot segments, literal or percent-encoded, may climb out of /__tandem/o/<scheme>/<host>/.
const DOT_SEGMENT = /\.\.|%2e/i;
const HOST_SEGMENT = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/** `https://Bank.example:443/x` → `https://bank.example`; ws → http, wss → https; null if not http(s)/ws(s). */
export function originOf(absoluteUrl: string): string | null {
  let u: WhatwgUrl;
  try {
    u = new URL(absoluteUrl);
  } catch {
    return null;
  }
  return originOfParsed(u);
}

function originOfParsed(u: WhatwgUrl): string | null {
  const scheme = httpScheme(u.protocol);
  if (!scheme || !u.host) return null;
  // URL already lower-cases the host and drops the default port of the scheme it parsed; a ws URL
  // on port 80 or wss on 443 is the same default as http/https.
  return `${scheme}://${u.host}`;
}

function httpScheme(protocol: string): 'http' | 'https' | null {
  switch (protocol) {
    case 'http:':
    case 'ws:':
      return 'http';
    case 'https:':
    case 'wss:':
      return 'https';
    default:
      return null;
  }
}

/** The gateway path of a real absolute URL of the primary or an allowed origin; null otherwise. */
export function gatewayPathOf(absoluteUrl: string, map: OriginMap): string | null {
  let u: WhatwgUrl;
  try {
    u = new URL(absoluteUrl);
  } catch {
    return null;
  }
  return gatewayPathOfParsed(u, map);
}

function gatewayPathOfParsed(u: WhatwgUrl, map: OriginMap): string | null {
  const origin = originOfParsed(u);
  if (origin === null) return null;
  const rest = u.pathname + u.search + u.hash;
  if (origin === map.primary) {
    // A path like //evil.example/x would read as protocol-relative at the root: `/.` keeps it a
    // path (the browser drops the `.` segment and requests //evil.example/x of the gateway).
    return rest.startsWith('//') ? '/.' + rest : rest;
  }
  if (map.allowed.includes(origin)) return `${ORIGIN_PREFIX}${origin.slice(0, origin.indexOf(':'))}/${u.host}${rest}`;
  return null;
}

/** Maps one URL found in a page, stylesheet, header or script call. Never throws. */
export function mapUrl(raw: string, baseUrl: string, map: OriginMap): MappedUrl {
  let s = raw;
  if (s.length === 0) return { kind: 'same', url: raw };
  // Most absolute URLs in a page name a configured origin spelled as it is normalised, with a
  // plain rest (which has no space, control, tab or newline to strip): mapped by prefix alone.
  const h = s.charCodeAt(0);
  if (h === 0x68 || h === 0x77) {
    const known = originPrefixPath(s, compiled(map));
    if (known !== null) return known;
  }
  const c0 = s.charCodeAt(0);
  const cn = s.charCodeAt(s.length - 1);
  if (c0 <= 0x20 || cn <= 0x20) s = s.replace(C0_TRIM, '');
  if (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) s = s.replace(TAB_OR_NEWLINE, '');
  if (s.length === 0) return { kind: 'same', url: raw };

  const first = s.charCodeAt(0);
  if (first === 0x23 /* # */) return { kind: 'other', url: raw };
  const onPrimary = isOnPrimary(baseUrl, map);
  if (first === 0x2f /* / */ || first === 0x5c /* \ */) {
    const second = s.charCodeAt(1);
    if (second === 0x2f || second === 0x5c) return resolve(s, raw, baseUrl, map); // protocol-relative
    // Root-relative: right as it is at the gateway root, and Tandem's own paths are already mapped.
    if (onPrimary || s.startsWith(TANDEM_PREFIX)) return { kind: 'same', url: raw };
    return resolve(s, raw, baseUrl, map);
  }
  const schemeEnd = schemeLength(s);
  if (schemeEnd > 0) {
    if (isWebScheme(s, schemeEnd)) return resolve(s, raw, baseUrl, map);
    return { kind: 'other', url: raw };
  }
  // Relative: resolves right against the gateway URL of the page, unless it climbs out of the
  // /__tandem/o/<scheme>/<host> prefix or the base is foreign.
  if (onPrimary || (!DOT_SEGMENT.test(s) && isAllowedBase(baseUrl, map))) return { kind: 'same', url: raw };
  return resolve(s, raw, baseUrl, map);
}

/** Length of a leading `scheme:` (`[a-zA-Z][a-zA-Z0-9+.-]*`), without the colon; 0 when there is none. */
function schemeLength(s: string): number {
  const first = s.charCodeAt(0) | 0x20;
  if (first < 0x61 || first > 0x7a) return 0;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) return i;
    const l = c | 0x20;
    if (!((l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return 0;
  }
  return 0;
}

/** http, https, ws or wss, in any case. */
function isWebScheme(s: string, len: number): boolean {
  const c0 = s.charCodeAt(0) | 0x20;
  if (c0 === 0x68) {
    if (len !== 4 && len !== 5) return false;
    const w = s.slice(0, len).toLowerCase();
    return w === 'http' || w === 'https';
  }
  if (c0 === 0x77) {
    if (len !== 2 && len !== 3) return false;
    const w = s.slice(0, len).toLowerCase();
    return w === 'ws' || w === 'wss';
  }
  return false;
}

/** Whether a (real, absolute) base URL is on the primary origin: its relative URLs need no mapping. */
export function isOnPrimary(baseUrl: string, map: OriginMap): boolean {
  return baseUrl.startsWith(map.primary) && isOriginEnd(baseUrl.charCodeAt(map.primary.length));
}

function isOriginEnd(code: number): boolean {
  // NaN: the base is the bare origin.
  return code !== code || code === 0x2f || code === 0x3f || code === 0x23;
}

function isAllowedBase(baseUrl: string, map: OriginMap): boolean {
  for (const o of map.allowed) if (baseUrl.startsWith(o) && isOriginEnd(baseUrl.charCodeAt(o.length))) return true;
  return false;
}

/**
 * Absolute http(s)/ws(s) URLs spelled the way the URL parser would write them (lower-case scheme
 * and host name, no port, userinfo, IP address, backslash, dot segment or character it would
 * encode): mapped or found foreign without parsing. Null sends the URL to the parser.
 */
function fastPath(s: string, c: CompiledMap): MappedUrl | null {
  const colon = s.indexOf(':');
  if (s.charCodeAt(colon + 1) !== 0x2f || s.charCodeAt(colon + 2) !== 0x2f) return null;
  const scheme = s.slice(0, colon);
  const web = scheme === 'https' || scheme === 'wss' ? 'https' : scheme === 'http' || scheme === 'ws' ? 'http' : null;
  if (web === null) return null;
  const hostStart = colon + 3;
  let i = hostStart;
  let labelStart = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) break;
    if (c === 0x2e) {
      if (i === labelStart) return null; // empty label
      labelStart = i + 1;
    } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return null;
  }
  // An empty host, a trailing dot, or a last label that reads as a number (an IPv4 address).
  if (i === hostStart || labelStart === i) return null;
  const last = s.charCodeAt(labelStart);
  if (last >= 0x30 && last <= 0x39) return null;
  if (!isPlainRestAt(s, i, s.length)) return null;
  const host = s.slice(hostStart, i);
  const rest = s.slice(i);
  const known = c.byOrigin.get(`${web}://${host}`);
  if (known !== undefined) return underOrigin(known, rest);
  return { kind: 'foreign', url: `${scheme}://${host}${rest.charCodeAt(0) === 0x2f ? rest : '/' + rest}` };
}

// What may follow a configured origin for the fast path: characters the URL parser keeps as they
// are, with no backslash, quote, space or dot segment it would rewrite.
const PLAIN_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/?#%') PLAIN_CHAR[c.charCodeAt(0)] = 1;

/**
 * A path, query and fragment the URL parser keeps exactly as written: empty or starting with
 * / ? #, only [A-Za-z0-9-._~!$&()*+,;=:@/?#%], and no `/.` or `%2e` (a dot segment) in the path.
 * One pass over a table, no regexes: this runs for every absolute URL in a page.
 * Checked over s[from, to) in place: the HTML rewriter checks a value without slicing it.
 */
export function isPlainRestAt(s: string, from: number, to: number): boolean {
  if (from >= to) return true;
  const first = s.charCodeAt(from);
  if (first !== 0x2f && first !== 0x3f && first !== 0x23) return false;
  let inPath = first === 0x2f;
  for (let i = from + 1; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || PLAIN_CHAR[c] === 0) return false;
    if (!inPath) continue;
    if (c === 0x3f || c === 0x23) inPath = false;
    else if (c === 0x2e && s.charCodeAt(i - 1) === 0x2f) return false;
    else if (c === 0x25 && i + 2 < to && s.charCodeAt(i + 1) === 0x32 && (s.charCodeAt(i + 2) | 0x20) === 0x65) return false;
  }
  return true;
}

/** One configured origin, compiled: its normalised spelling and the gateway path prefix it maps to. */
export interface CompiledOrigin {
  /** `https://static.bank.example` */
  readonly origin: string;
  /** '' for the primary origin, `/__tandem/o/https/static.bank.example` for an allowed one. */
  readonly prefix: string;
  readonly primary: boolean;
  /** The origin's char codes: compared against a URL without calling into the string each time. */
  readonly codes: readonly number[];
}

/** An origin map compiled once: the origins in lookup order (primary first) and by origin. */
interface CompiledMap {
  readonly list: readonly CompiledOrigin[];
  readonly byOrigin: ReadonlyMap<string, CompiledOrigin>;
}

const compiledMaps = new WeakMap<OriginMap, CompiledMap>();
let lastMap: OriginMap | null = null;
let lastCompiled: CompiledMap | null = null;

/**
 * The compiled form of a map, built on first use and kept as long as the map lives: every URL
 * mapped afterwards finds its origin and gateway prefix without slicing or concatenating the
 * origin again.
 */
function compiled(map: OriginMap): CompiledMap {
  // A gateway maps with one map: the last one answers without a WeakMap lookup.
  if (map === lastMap) return lastCompiled!;
  let c = compiledMaps.get(map);
  lastMap = map;
  if (c !== undefined) return (lastCompiled = c);
  const codes = (o: string): number[] => Array.from(o, (ch) => ch.charCodeAt(0));
  const list: CompiledOrigin[] = [{ origin: map.primary, prefix: '', primary: true, codes: codes(map.primary) }];
  for (const o of map.allowed) {
    if (o === map.primary) continue;
    const colon = o.indexOf(':');
    list.push({ origin: o, prefix: `${ORIGIN_PREFIX}${o.slice(0, colon)}/${o.slice(colon + 3)}`, primary: false, codes: codes(o) });
  }
  c = { list, byOrigin: new Map(list.map((o) => [o.origin, o])) };
  compiledMaps.set(map, c);
  return (lastCompiled = c);
}

/** The gateway path for `rest` (a plain path, query and fragment) under a compiled origin; null for `//x` on the primary. */
function underOrigin(o: CompiledOrigin, rest: string): MappedUrl | null {
  const path = rest.charCodeAt(0) === 0x2f ? rest : '/' + rest;
  if (o.primary) return path.charCodeAt(1) === 0x2f ? null : { kind: 'mapped', url: path };
  return { kind: 'mapped', url: o.prefix + path };
}

/**
 * A URL that starts with a configured origin exactly as it is normalised (`http://127.0.0.1:8080`,
 * `https://bank.example`) and goes on with a plain path: mapped by string, without parsing. The
 * origin's own spelling is what the parser writes, so only the rest needs checking; hosts the
 * general fast path refuses (ports, IP addresses) get here too.
 */
function originPrefixPath(s: string, c: CompiledMap): MappedUrl | null {
  const o = originAt(s, 0, s.length, c);
  return o === null ? null : underOrigin(o, s.slice(o.origin.length));
}

/**
 * The configured origin that s[from, to) starts with, spelled as it is normalised and followed by
 * a plain rest (isPlainRestAt): what mapUrl maps by prefix alone. Null otherwise. Checked in
 * place, so the HTML rewriter maps an attribute value without slicing it.
 */
export function knownOriginAt(s: string, from: number, to: number, map: OriginMap): CompiledOrigin | null {
  return originAt(s, from, to, compiled(map));
}

function originAt(s: string, from: number, to: number, c: CompiledMap): CompiledOrigin | null {
  for (const o of c.list) {
    const origin = o.codes;
    const n = origin.length;
    const end = from + n;
    if (end > to) continue;
    // Origins share their scheme: compare from the end, where they differ.
    let k = n - 1;
    while (k >= 0 && s.charCodeAt(from + k) === origin[k]) k--;
    if (k >= 0 || (end < to && !isOriginEnd(s.charCodeAt(end)))) continue;
    return isPlainRestAt(s, end, to) ? o : null;
  }
  return null;
}

function resolve(s: string, raw: string, baseUrl: string, map: OriginMap): MappedUrl {
  const c = compiled(map);
  // mapUrl has tried the configured origins on raw already when it starts like one.
  const h = raw.charCodeAt(0);
  if (s !== raw || (h !== 0x68 && h !== 0x77)) {
    const known = originPrefixPath(s, c);
    if (known !== null) return known;
  }
  const fast = fastPath(s, c);
  if (fast !== null) return fast;
  let u: WhatwgUrl;
  try {
    u = new URL(s, baseUrl);
  } catch {
    return { kind: 'same', url: raw };
  }
  if (httpScheme(u.protocol) === null) return { kind: 'other', url: raw };
  const path = gatewayPathOfParsed(u, map);
  if (path === null) return { kind: 'foreign', url: u.href };
  return { kind: 'mapped', url: path };
}

/**
 * The real absolute URL behind a gateway request target (`/a?b`, `/__tandem/o/https/host/x`).
 * Null for Tandem's own paths, unconfigured origins, malformed host segments and anything that is
 * not a root-relative path. Built by concatenation, never by resolving, so `//evil.example/x`
 * stays a path of the primary origin.
 */
export function unmapPath(pathAndQuery: string, map: OriginMap): string | null {
  const hit = splitPath(pathAndQuery, map);
  return hit && hit.origin + hit.rest;
}

/** The real origin a gateway request target belongs to, or null (see unmapPath). */
export function realOriginOfPath(pathAndQuery: string, map: OriginMap): string | null {
  const hit = splitPath(pathAndQuery, map);
  return hit && hit.origin;
}

function splitPath(p: string, map: OriginMap): { origin: string; rest: string } | null {
  if (p.charCodeAt(0) !== 0x2f) return null;
  if (!p.startsWith(TANDEM_PREFIX)) return { origin: map.primary, rest: p };
  if (!p.startsWith(ORIGIN_PREFIX)) return null;
  const afterPrefix = p.slice(ORIGIN_PREFIX.length);
  const slash1 = afterPrefix.indexOf('/');
  if (slash1 < 0) return null;
  const scheme = afterPrefix.slice(0, slash1);
  if (scheme !== 'http' && scheme !== 'https') return null;
  const tail = afterPrefix.slice(slash1 + 1);
  let end = tail.length;
  for (let i = 0; i < tail.length; i++) {
    const c = tail.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) {
      end = i;
      break;
    }
  }
  const hostSegment = tail.slice(0, end).toLowerCase();
  if (!HOST_SEGMENT.test(hostSegment)) return null;
  const origin = originOf(`${scheme}://${hostSegment}/`);
  if (origin === null || (origin !== map.primary && !map.allowed.includes(origin))) return null;
  let rest = tail.slice(end);
  if (rest.charCodeAt(0) !== 0x2f) rest = '/' + rest;
  return { origin, rest };
}

/** Normalises the configured origins once (lower case, default ports dropped). */
export function createOriginMap(primary: string, allowed: readonly string[]): OriginMap {
  const norm = (o: string): string => {
    const n = originOf(o);
    if (n === null) throw new Error(`not an http(s) origin: ${o}`);
    return n;
  };
  return Object.freeze({ primary: norm(primary), allowed: Object.freeze(allowed.map(norm)) });
}

export interface SrcsetCandidate {
  url: string;
  descriptor: string;
}

/** The HTML srcset parsing algorithm, minus validation: URLs and their raw descriptors (server and page). */
export function parseSrcset(value: string): SrcsetCandidate[] {
  const out: SrcsetCandidate[] = [];
  scanSrcset(value, 0, value.length, (us, ue, ds, de) => out.push({ url: value.slice(us, ue), descriptor: value.slice(ds, de).trim() }));
  return out;
}

/**
 * The same reading over s[from, to), by ranges: `each` gets every candidate's URL and its raw
 * descriptor (to trim). The HTML rewriter maps candidates in place through it.
 */
export function scanSrcset(
  s: string,
  from: number,
  to: number,
  each: (urlStart: number, urlEnd: number, descriptorStart: number, descriptorEnd: number) => void,
): void {
  let p = from;
  while (p < to) {
    while (p < to && (isWs(s.charCodeAt(p)) || s.charCodeAt(p) === 0x2c)) p++;
    if (p >= to) break;
    const us = p;
    while (p < to && !isWs(s.charCodeAt(p))) p++;
    let ue = p;
    const ds = p;
    if (s.charCodeAt(ue - 1) === 0x2c) {
      while (s.charCodeAt(ue - 1) === 0x2c) ue--;
      each(us, ue, ds, ds);
      continue;
    }
    let depth = 0;
    while (p < to) {
      const c = s.charCodeAt(p);
      if (c === 0x28) depth++;
      else if (c === 0x29) depth = Math.max(0, depth - 1);
      else if (c === 0x2c && depth === 0) break;
      p++;
    }
    each(us, ue, ds, p);
    p++;
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}
