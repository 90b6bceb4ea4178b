/**
 * Streaming CSS rewriting: `url(…)` (quoted or not) and `@import "…"` pointing at the primary or an
 * allowed origin become gateway paths; everything else is copied as it came, comments and
 * strings included.
 *
 * API
 *   new CssRewriter({ map, baseUrl }) with write(chunk) → string and end() → string: push-style,
 *     chunks split anywhere. Works on "byte strings" (latin1: one char per byte) so that any
 *     ASCII-compatible charset and invalid UTF-8 pass through unchanged; URLs with bytes ≥ 0x80
 *     are read as UTF-8 for mapping (mapped output is ASCII).
 *   rewriteCss(css, ctx) → string: the same over one whole byte string (style="" and tests).
 *   createCssRewriteStream(ctx) → Transform, Buffer in, Buffer out: for `text/css` bodies.
 *   mapByteUrl(raw, baseUrl, map): mapUrl over a byte string (shared with the HTML rewriter).
 *
 * Strings directly inside image-set() / -webkit-image-set() are URLs and are mapped too.
 * Not rewritten: URLs built with CSS variables, or with escapes inside the function name
 * (`u\72l(`); the CSP safety net reports what they load.
 */

import type { Transform } from 'node:stream';
import { latin1Transform } from './latin1-transform.js';
import { mapUrl, type MappedUrl, type OriginMap } from '../../protocol/url-map.js';

export interface CssRewriteContext {
  readonly map: OriginMap;
  /** The REAL URL the stylesheet's URLs resolve against (stylesheet URL, or the document's base). */
  readonly baseUrl: string;
}

const NON_ASCII = /[\u0080-\u00ff]/;

export function mapByteUrl(raw: string, baseUrl: string, map: OriginMap): MappedUrl {
  if (!NON_ASCII.test(raw)) return mapUrl(raw, baseUrl, map);
  const r = mapUrl(Buffer.from(raw, 'latin1').toString('utf8'), baseUrl, map);
  return r.kind === 'mapped' || r.kind === 'foreign' ? r : { kind: r.kind, url: raw };
}

// Comment starts, quotes, escapes, url( and @import: the only places where CSS can hold a URL
// or hide one from a naive scan.
const INTERESTING = /\/\*|["'\\]|url\(|@import|image-set\(/gi;
// Inside image-set(), strings are URLs too, and parentheses tell where it ends.
const INTERESTING_IN_SET = /\/\*|["'\\]|url\(|[()]/gi;
const MAX_PENDING = 4 * 1024 * 1024;

const enum State {
  Normal,
  Comment,
}

export class CssRewriter {
  readonly #ctx: CssRewriteContext;
  #pending = '';
  #state = State.Normal;
  /** Char code just before #pending, to tell `url(` from `myurl(` across chunks. */
  #before = 0x20;
  /** Parenthesis depth inside image-set() (0: outside). */
  #imageSet = 0;

  constructor(ctx: CssRewriteContext) {
    this.#ctx = ctx;
  }

  write(chunk: string): string {
    const text = this.#pending.length ? this.#pending + chunk : chunk;
    this.#pending = '';
    return this.#scan(text, false);
  }

  end(): string {
    const text = this.#pending;
    this.#pending = '';
    return text.length ? this.#scan(text, true) : '';
  }

  #scan(text: string, final: boolean): string {
    let out = '';
    let copied = 0;
    let pos = 0;
    const len = text.length;
    const hold = (from: number): string => {
      // An unfinished construct waits for the next chunk, unless this is the end or it grew
      // past reason (then it passes through untouched).
      if (final || len - from > MAX_PENDING) return out + text.slice(copied);
      this.#pending = text.slice(from);
      this.#before = from > 0 ? text.charCodeAt(from - 1) : this.#before;
      return out + text.slice(copied, from);
    };

    while (pos < len) {
      if (this.#state === State.Comment) {
        const close = text.indexOf('*/', pos);
        if (close < 0) {
          // Keep a trailing `*` back: it may start the `*/` of the next chunk.
          const keep = text.charCodeAt(len - 1) === 0x2a && !final ? len - 1 : len;
          const result = hold(keep);
          return result;
        }
        pos = close + 2;
        this.#state = State.Normal;
        continue;
      }
      const re = this.#imageSet > 0 ? INTERESTING_IN_SET : INTERESTING;
      re.lastIndex = pos;
      const m = re.exec(text);
      if (!m) {
        // A `/`, `u`, `ur`, `url`, `@im`… at the very end may start a construct.
        const tail = partialTail(text, pos);
        return tail < len ? hold(tail) : out + text.slice(copied);
      }
      const i = m.index;
      const c = text.charCodeAt(i);
      if (c === 0x2f /* /* */) {
        this.#state = State.Comment;
        pos = i + 2;
        continue;
      }
      if (c === 0x5c /* \ */) {
        if (i + 1 >= len) return hold(i);
        pos = i + 2;
        continue;
      }
      if (c === 0x22 || c === 0x27) {
        const end = stringEnd(text, i);
        if (end < 0) return hold(i);
        if (this.#imageSet === 1 && text.charCodeAt(end - 1) === c) {
          const replaced = this.#mapped(text.slice(i + 1, end - 1));
          if (replaced !== null) {
            out += text.slice(copied, i) + replaced;
            copied = end;
          }
        }
        pos = end;
        continue;
      }
      if (c === 0x28 /* ( */ || c === 0x29 /* ) */) {
        this.#imageSet += c === 0x28 ? 1 : -1;
        pos = i + 1;
        continue;
      }
      if ((c | 0x20) === 0x69 /* image-set( */) {
        this.#imageSet = 1;
        pos = i + 10;
        continue;
      }
      if (c === 0x40 /* @import */) {
        let j = skipSpace(text, i + 7);
        if (j >= len) return hold(i);
        const q = text.charCodeAt(j);
        if (q === 0x22 || q === 0x27) {
          const end = stringEnd(text, j);
          if (end < 0) return hold(i);
          const replaced = this.#mapped(text.slice(j + 1, end - 1));
          if (replaced !== null) {
            out += text.slice(copied, j) + replaced;
            copied = end;
          }
          j = end;
        }
        pos = j;
        continue;
      }
      // url(
      const prev = i > 0 ? text.charCodeAt(i - 1) : this.#before;
      if (isNameChar(prev)) {
        pos = i + 4;
        continue;
      }
      const u = parseUrlFunction(text, i);
      if (u === null) return hold(i);
      if (u.value !== null) {
        const replaced = this.#mapped(u.value);
        if (replaced !== null) {
          out += text.slice(copied, i + 4) + replaced + ')';
          copied = u.end;
        }
      }
      pos = u.end;
    }
    return out + text.slice(copied);
  }

  /** The quoted replacement for an escaped URL, or null when it stays. */
  #mapped(escaped: string): string | null {
    const r = mapByteUrl(cssUnescape(escaped), this.#ctx.baseUrl, this.#ctx.map);
    if (r.kind !== 'mapped') return null;
    return '"' + r.url.replace(/["\\\n]/g, (ch) => (ch === '\n' ? '\\a ' : '\\' + ch)) + '"';
  }
}

export function rewriteCss(css: string, ctx: CssRewriteContext): string {
  const r = new CssRewriter(ctx);
  return r.write(css) + r.end();
}

export function createCssRewriteStream(ctx: CssRewriteContext): Transform {
  const r = new CssRewriter(ctx);
  return latin1Transform(r);
}

function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x5c || c >= 0x80
  );
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

function skipSpace(text: string, j: number): number {
  while (j < text.length && isSpace(text.charCodeAt(j))) j++;
  return j;
}

/** Index just past the closing quote of the string opening at `start`; a newline ends it too; -1 if unfinished. */
function stringEnd(text: string, start: number): number {
  const q = text.charCodeAt(start);
  for (let k = start + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === q) return k + 1;
    if (c === 0x5c) k++;
    else if (c === 0x0a || c === 0x0d || c === 0x0c) return k; // bad string: ends without its quote
  }
  return -1;
}

/** Parses `url(` at i: its end, and the escaped value (null when it is not a clean url()); null if unfinished. */
function parseUrlFunction(text: string, i: number): { end: number; value: string | null } | null {
  const len = text.length;
  const j = skipSpace(text, i + 4);
  if (j >= len) return null;
  const q = text.charCodeAt(j);
  if (q === 0x22 || q === 0x27) {
    const end = stringEnd(text, j);
    if (end < 0) return null;
    if (text.charCodeAt(end - 1) !== q) return { end, value: null };
    const k = skipSpace(text, end);
    if (k >= len) return null;
    return text.charCodeAt(k) === 0x29 ? { end: k + 1, value: text.slice(j + 1, end - 1) } : { end, value: null };
  }
  for (let k = j; k < len; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x29) return { end: k + 1, value: text.slice(j, k) };
    if (c === 0x5c) {
      const e = escapeEnd(text, k);
      if (e < 0) return null;
      k = e - 1;
    } else if (isSpace(c)) {
      const e = skipSpace(text, k);
      if (e >= len) return null;
      return text.charCodeAt(e) === 0x29 ? { end: e + 1, value: text.slice(j, k) } : { end: e, value: null };
    } else if (c === 0x22 || c === 0x27 || c === 0x28) return { end: k, value: null };
  }
  return null;
}

/** Index just past the escape starting at k (`\` + up to 6 hex digits + one space, or `\` + one char); -1 if unfinished. */
function escapeEnd(text: string, k: number): number {
  let p = k + 1;
  if (p >= text.length) return -1;
  if (!isHex(text.charCodeAt(p))) return p + 1;
  const stop = Math.min(text.length, p + 6);
  while (p < stop && isHex(text.charCodeAt(p))) p++;
  // The hex run (and its optional space) may go on in the next chunk.
  if (p >= text.length) return -1;
  if (isSpace(text.charCodeAt(p))) p++;
  return p;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** Where a possibly unfinished `/*`, `url(` or `@import` starts at the end of text (len if none). */
function partialTail(text: string, pos: number): number {
  const len = text.length;
  for (let k = Math.max(pos, len - 10); k < len; k++) {
    const rest = text.slice(k).toLowerCase();
    if ('/*'.startsWith(rest) || 'url('.startsWith(rest) || '@import'.startsWith(rest) || 'image-set('.startsWith(rest)) return k;
  }
  return len;
}

export function cssUnescape(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(
    /\\(?:([0-9a-fA-F]{1,6})[ \t\n\f]?|(\r\n|[\n\r\f])|([\s\S]))/g,
    (_m, hex: string | undefined, _nl: string | undefined, ch: string | undefined) => {
      if (hex !== undefined) {
        const cp = parseInt(hex, 16);
        return cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp);
      }
      return ch ?? '';
    },
  );
}
