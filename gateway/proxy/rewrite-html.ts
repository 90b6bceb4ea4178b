/**
 * Streaming HTML rewriting: maps every URL attribute that points at the primary or an allowed
 * origin into the gateway, keeps navigations inside the content frame, and puts the hooks' tag
 * early in <head>. Built on html-tokenizer.ts: only the attribute ranges that change are
 * patched; every other byte is copied as it came.
 *
 * API
 *   new HtmlRewriter(opts) with write(chunk) → string and end() → string, over "byte strings"
 *     (latin1, one char per byte: `buf.toString('latin1')`), chunks split anywhere.
 *   createHtmlRewriteStream(opts) → Transform, Buffer in, Buffer out (what the proxy pipes).
 *   rewriteHtml(html, opts) → string: one whole JS (UTF-16) string, for tests and small pages.
 *
 * What changes
 *   href src action formaction poster background xlink:href (any element), data (object),
 *   srcset imagesrcset (each candidate), <base href> (mapped, and later URLs resolve against the
 *   REAL base; a foreign base loses its href and later relative URLs are written resolved),
 *   <meta http-equiv=refresh content>, <meta http-equiv=content-security-policy content>
 *   (adjustPolicy), style="" and <style> (rewrite-css), target/formtarget _top|_parent on
 *   a area form base button input → _self, links (a, area, form action, formaction) to foreign
 *   origins → target=_blank (+ rel=noopener when there is no rel).
 *   integrity is dropped on <link rel=stylesheet> and <link rel=preload as=style> whose
 *   stylesheet goes through the gateway: their bodies are rewritten, so the hash would fail.
 *   <script integrity> is kept: script bodies are never rewritten and stream through
 *   byte-identical, and mapped scripts become same-origin, so the check still passes.
 *   <script type=importmap>: addresses mapped (specifier keys kept), held until its end.
 *   <iframe srcdoc>: its markup rewritten the same way (no hooks' tag).
 *   ping (a, area): each URL.
 * Not covered (the runtime or the CSP safety net catch what loads): URLs inside other scripts
 * (speculation rules included), svg <style> contents.
 */

import type { Transform } from 'node:stream';
import { latin1Transform } from './latin1-transform.js';
import { decodeHTMLAttribute } from 'entities/decode';
import { gatewayPathOf, isOnPrimary, knownOriginAt, scanSrcset, type CompiledOrigin, type OriginMap } from '../../protocol/url-map.js';
import type { TagEdits } from './html-edits.js';
import { HtmlTokenizer, type TagAttr, type TokenHandler, type TokenKind } from './html-tokenizer.js';
import { CssRewriter, mapByteUrl, rewriteCss } from './rewrite-css.js';
import { rewritePlainCss } from './html-style.js';
import { adjustPolicy } from './csp.js';
import { internName, nameTable } from './html-names.js';

export interface HtmlRewriteOptions {
  readonly map: OriginMap;
  /** The REAL URL of the document (what the origin served). */
  readonly pageUrl: string;
  /** The hooks' tag (inject-tag.ts hookTag()), or null to inject nothing. */
  readonly inject: string | null;
  /** Whether the gateway is served over https (for <meta> CSP). */
  readonly gatewayHttps: boolean;
}

const URL_ATTRS = ['href', 'src', 'action', 'formaction', 'poster', 'background', 'xlink:href'];
const TARGET_TAGS = new Set(['a', 'area', 'form', 'base']);
const LINK_TAGS = new Set(['a', 'area']);
/** Every attribute the rewriter reads; the others are skipped without being sliced. */
const READ_ATTRIBUTES = nameTable([
  ...URL_ATTRS,
  'data',
  'srcset',
  'imagesrcset',
  'ping',
  'srcdoc',
  'style',
  'target',
  'formtarget',
  'rel',
  'as',
  'integrity',
  'type',
  'http-equiv',
  'content',
  'charset',
]);

export class HtmlRewriter implements TokenHandler {
  readonly #opts: HtmlRewriteOptions;
  readonly #tokenizer: HtmlTokenizer;
  #base: string;
  /** Whether #base is on the primary origin (root-relative URLs then stay as they are). */
  #onPrimary: boolean;
  #foreignBase = false;
  #baseSeen = false;
  #css: CssRewriter | null = null;
  /** 'doc' until <head> is seen, then 'head', while the hooks' tag is still to be placed. */
  #stage: 'doc' | 'head' = 'doc';
  readonly #names: string[] = [];
  #scriptIsImportMap = false;
  #importMap: string[] | null = null;
  /** style="" values already rewritten against #base: the value as written → its quoted replacement, or null. */
  readonly #styles = new Map<string, string | null>();
  #writes = 0;
  watching: boolean;

  constructor(opts: HtmlRewriteOptions) {
    this.#opts = opts;
    this.#base = opts.pageUrl;
    this.#onPrimary = isOnPrimary(opts.pageUrl, opts.map);
    this.watching = opts.inject !== null;
    this.#tokenizer = new HtmlTokenizer(this);
  }

  write(chunk: string): string {
    // Remembered style values are slices of the chunks they came in: forget them now and then,
    // so that they never hold more than a few chunks of a long page in memory.
    if (++this.#writes % STYLE_MEMORY_CHUNKS === 0) this.#styles.clear();
    return this.#tokenizer.write(chunk);
  }

  end(): string {
    return this.#tokenizer.end();
  }

  // --- TokenHandler ---

  before(kind: TokenKind, _name: string): string {
    // Start tags decide in startTag (a leading <meta charset> keeps its place in the first bytes).
    if (kind === 'start') return '';
    if (this.#stage === 'doc' && (kind === 'doctype' || kind === 'comment')) return '';
    return this.#injectNow();
  }

  #injectNow(): string {
    this.watching = false;
    return this.#opts.inject ?? '';
  }

  rewritesRawText(element: string): boolean {
    if (element === 'script') {
      this.#importMap = this.#scriptIsImportMap ? [] : null;
      return this.#scriptIsImportMap;
    }
    return element === 'style';
  }

  rawText(element: string, piece: string, last: boolean): string {
    if (element === 'script') return this.#importMapText(piece, last);
    if (this.#css === null && last) {
      // A whole <style> in one piece: plain url()s are mapped without the CSS rewriter.
      const plain = rewritePlainCss(piece, this.#base, this.#opts.map);
      if (plain !== null) return plain;
    }
    if (this.#css === null) this.#css = new CssRewriter({ map: this.#opts.map, baseUrl: this.#base });
    let out = this.#css.write(piece);
    if (last) {
      out += this.#css.end();
      this.#css = null;
    }
    return out;
  }

  /** An import map is held until its end (they are small), then its URLs are mapped. */
  #importMapText(piece: string, last: boolean): string {
    if (this.#importMap === null) return piece;
    this.#importMap.push(piece);
    const held = this.#importMap.join('');
    if (!last) {
      if (held.length <= MAX_IMPORT_MAP) return '';
      this.#importMap = null; // too big to be an import map worth holding: let it through
      return held;
    }
    this.#importMap = null;
    return rewriteImportMap(held, this.#base, this.#opts.map) ?? held;
  }

  startTag(
    text: string,
    start: number,
    end: number,
    name: string,
    attrs: readonly TagAttr[],
    count: number,
    _selfClosing: boolean,
    edits: TagEdits,
  ): void {
    let append = '';
    let target = -1;
    let rel = -1;
    let integrity = -1;
    let relValue = '';
    let asValue = '';
    let linkHref = -1;
    let httpEquiv = '';
    let content = -1;
    let charset = false;
    let foreignLink = false;
    // Attribute names seen in this tag; reused, and cut by count (setting an array's length is slow).
    const names = this.#names;
    let seen = 0;
    if (name === 'script') this.#scriptIsImportMap = false;

    attributes: for (let i = 0; i < count; i++) {
      const a = attrs[i];
      const attr = internName(text, a.nameStart, a.nameEnd, READ_ATTRIBUTES);
      if (attr === null) continue;
      for (let n = 0; n < seen; n++) if (names[n] === attr) continue attributes; // the first of duplicated attributes wins
      names[seen++] = attr;
      if (isUrlAttr(attr) || (attr === 'data' && name === 'object')) {
        if (a.valueStart < 0) continue;
        if (name === 'base' && attr === 'href') {
          this.#rewriteBase(text, a, edits);
          continue;
        }
        if (name === 'link' && attr === 'href') linkHref = i;
        if (this.#staysRootRelative(text, a)) continue;
        if (this.#originCut(text, a, edits)) continue;
        const r = this.#mapValue(text, a);
        if (r === null) continue;
        if (r.kind === 'foreign' && (attr === 'action' || attr === 'formaction' || (attr === 'href' && LINK_TAGS.has(name))))
          foreignLink = true;
        if (r.url !== null) valueEdit(edits, a, r.url);
      } else if (attr === 'srcset' || attr === 'imagesrcset') {
        if (a.valueStart < 0) continue;
        // Without `&` there is nothing to decode: the candidates are read in place.
        const v = hasAmpersand(text, a.valueStart, a.valueEnd)
          ? this.#rewriteSrcset(decodeAttr(text.slice(a.valueStart, a.valueEnd)), 0, -1)
          : this.#rewriteSrcset(text, a.valueStart, a.valueEnd);
        if (v !== null) valueEdit(edits, a, v);
      } else if (attr === 'ping') {
        if (a.valueStart < 0) continue;
        let changed = false;
        const v = decodeAttr(text.slice(a.valueStart, a.valueEnd)).replace(/[^\t\n\f\r ]+/g, (u) => {
          const r = mapByteUrl(u, this.#base, this.#opts.map);
          if (r.kind !== 'mapped') return u;
          changed = true;
          return r.url;
        });
        if (changed) valueEdit(edits, a, v);
      } else if (attr === 'srcdoc' && name === 'iframe') {
        if (a.valueStart < 0 || a.valueStart === a.valueEnd) continue;
        const raw = decodeAttr(text.slice(a.valueStart, a.valueEnd));
        // The framed document's markup, rewritten the same way (without the hooks: it has no URL of its own).
        const inner = new HtmlRewriter({ ...this.#opts, pageUrl: this.#base, inject: null });
        const v = inner.write(raw) + inner.end();
        if (v !== raw) valueEdit(edits, a, v);
      } else if (attr === 'style') {
        if (a.valueStart < 0 || a.valueStart === a.valueEnd) continue;
        const quoted = this.#rewriteStyle(text.slice(a.valueStart, a.valueEnd));
        if (quoted !== null) quotedEdit(edits, a, quoted);
      } else if (attr === 'target' || attr === 'formtarget') {
        target = i;
        if ((attr === 'formtarget' || TARGET_TAGS.has(name)) && a.valueStart >= 0) {
          const t = text.slice(a.valueStart, a.valueEnd).trim().toLowerCase();
          if (t === '_top' || t === '_parent') valueEdit(edits, a, '_self');
        }
      } else if (attr === 'rel') {
        rel = i;
        if (a.valueStart >= 0) relValue = text.slice(a.valueStart, a.valueEnd).toLowerCase();
      } else if (attr === 'as') {
        if (a.valueStart >= 0) asValue = text.slice(a.valueStart, a.valueEnd).trim().toLowerCase();
      } else if (attr === 'integrity') {
        integrity = i;
      } else if (attr === 'type' && name === 'script' && a.valueStart >= 0) {
        this.#scriptIsImportMap = text.slice(a.valueStart, a.valueEnd).trim().toLowerCase() === 'importmap';
      } else if (name === 'meta') {
        if (attr === 'http-equiv' && a.valueStart >= 0) httpEquiv = text.slice(a.valueStart, a.valueEnd).trim().toLowerCase();
        else if (attr === 'content') content = i;
        else if (attr === 'charset') charset = true;
      }
    }

    if (name === 'meta' && content >= 0 && httpEquiv !== '') {
      const a = attrs[content];
      const v = this.#rewriteMeta(httpEquiv, decodeAttr(text.slice(a.valueStart, a.valueEnd)));
      if (v !== null) valueEdit(edits, a, v);
      if (httpEquiv === 'content-type') charset = true;
    }
    if (integrity >= 0 && linkHref >= 0 && (/\bstylesheet\b/.test(relValue) || (/\bpreload\b/.test(relValue) && asValue === 'style'))) {
      const r = this.#mapValue(text, attrs[linkHref]);
      if (r === null || (r.kind !== 'foreign' && r.kind !== 'other')) {
        const a = attrs[integrity];
        edits.add(a.nameStart, a.valueStart < 0 ? a.nameEnd : a.valueEnd + (a.quote ? 1 : 0), '');
      }
    }
    if (foreignLink) {
      const t = target >= 0 ? attrs[target] : null;
      const blank = t !== null && t.valueStart >= 0 && text.slice(t.valueStart, t.valueEnd).trim().toLowerCase() === '_blank';
      if (!blank) {
        if (t === null) append += name === 'button' || name === 'input' ? ' formtarget="_blank"' : ' target="_blank"';
        else if (t.valueStart < 0) edits.replace(t.nameEnd, t.nameEnd, '="_blank"');
        else if (t.quote) edits.replace(t.valueStart - 1, t.valueEnd + 1, '"_blank"');
        else edits.replace(t.valueStart, t.valueEnd, '"_blank"');
        if (rel < 0 && LINK_TAGS.has(name)) append += ' rel="noopener"';
      }
    }

    // Appended attributes go before the closing `>` (after a `/`, which is then ignored).
    if (append !== '') edits.add(end - 1, end - 1, append);
    if (!this.watching) return;
    // Placing the hooks' tag: after <html>/<head> and a leading <meta charset>, before anything else.
    if (name === 'html') return;
    if (name === 'head') {
      this.#stage = 'head';
      return;
    }
    if (name === 'meta' && charset) edits.add(end, end, this.#injectNow());
    else edits.add(start, start, this.#injectNow());
  }

  // --- attribute values ---

  /**
   * The most common URL in a page, an absolute one of a configured origin written plainly
   * (`href="https://bank.example/a?b=1"`, `src='https://static.bank.example/i.png'`), mapped in
   * place: the same output as mapUrl + a value patch, without decoding, slicing or escaping. In
   * double quotes only the origin is replaced. False for anything else (the general path decides).
   */
  #originCut(text: string, a: TagAttr, edits: TagEdits): boolean {
    const from = a.valueStart;
    const end = a.valueEnd;
    const o = knownOriginAt(text, from, end, this.#opts.map);
    if (o === null) return false;
    const rest = from + o.origin.length;
    // `&` may start a character reference, which the general path decodes; `&amp;` (in query
    // strings) decodes to `&`, which is plain, and escapes back to `&amp;`: it stays as it is.
    if (!ampersandsAreAmp(text, rest, end)) return false;
    const lead = leadOf(text, rest, end, o);
    if (lead === null) return false;
    // No quote (isPlainRestAt) and no `&` but in `&amp;`: nothing to escape, the rest is already
    // as a value patch would write it.
    if (a.quote === 0x22) edits.add(from, rest, lead);
    else quotedEdit(edits, a, '"' + lead + text.slice(rest, end) + '"');
    return true;
  }

  /**
   * A root-relative URL (`/help`) on a page of the primary origin: right as it is, with nothing to
   * decode or map. Its second char must not make it protocol-relative, now or once tabs and
   * newlines are dropped or a character reference decoded.
   */
  #staysRootRelative(text: string, a: TagAttr): boolean {
    if (!this.#onPrimary || this.#foreignBase) return false;
    const from = a.valueStart;
    if (from >= a.valueEnd || text.charCodeAt(from) !== 0x2f) return false;
    if (from + 1 === a.valueEnd) return true;
    const c = text.charCodeAt(from + 1);
    return c !== 0x2f && c !== 0x5c && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x26;
  }

  /** The URL to write for an attribute value (null url: keep it), or null when nothing applies. */
  #mapValue(text: string, a: TagAttr): { kind: string; url: string | null } | null {
    const raw = decodeAttr(text.slice(a.valueStart, a.valueEnd));
    const r = mapByteUrl(raw, this.#base, this.#opts.map);
    if (r.kind === 'mapped') return { kind: r.kind, url: r.url };
    // Under a foreign <base> (whose href is gone) relative URLs must be written resolved.
    if (r.kind === 'foreign' && this.#foreignBase && !isAbsolute(raw)) return { kind: r.kind, url: r.url };
    return { kind: r.kind, url: null };
  }

  #rewriteBase(text: string, a: TagAttr, edits: TagEdits): void {
    if (this.#baseSeen) return;
    this.#baseSeen = true;
    const raw = decodeAttr(text.slice(a.valueStart, a.valueEnd)).trim();
    let real: string;
    try {
      real = new URL(utf8(raw), this.#opts.pageUrl).href;
    } catch {
      return;
    }
    if (!/^https?:/i.test(real)) return;
    this.#base = real;
    this.#styles.clear();
    this.#onPrimary = isOnPrimary(real, this.#opts.map);
    const path = gatewayPathOf(real, this.#opts.map);
    if (path !== null) return valueEdit(edits, a, path);
    // A foreign base would pull mapped paths onto the foreign host: drop it and write URLs resolved.
    this.#foreignBase = true;
    edits.add(a.nameStart, a.nameEnd, 'data-tandem-base-href');
  }

  /**
   * A srcset value s[from, to) (to -1: to the end) with each candidate's URL mapped, or null when
   * none changes: parseSrcset's reading, over the range, and the same joining (`url descriptor`,
   * `, ` between candidates).
   */
  #rewriteSrcset(s: string, from: number, to: number): string | null {
    let changed = false;
    let out = '';
    scanSrcset(s, from, to < 0 ? s.length : to, (us, ue, ds, de) => {
      let url = this.#mapSrcsetUrl(s, us, ue);
      if (url !== null) changed = true;
      else url = s.slice(us, ue);
      const descriptor = s.slice(ds, de).trim();
      if (out) out += ', ';
      out += descriptor ? url + ' ' + descriptor : url;
    });
    return changed ? out : null;
  }

  /** The URL to write for a srcset candidate s[from, to), or null to keep it. */
  #mapSrcsetUrl(s: string, from: number, to: number): string | null {
    const o = knownOriginAt(s, from, to, this.#opts.map);
    if (o !== null) {
      const lead = leadOf(s, from + o.origin.length, to, o);
      if (lead !== null) return lead + s.slice(from + o.origin.length, to);
    }
    const raw = s.slice(from, to);
    const r = mapByteUrl(raw, this.#base, this.#opts.map);
    if (r.kind === 'mapped' || (r.kind === 'foreign' && this.#foreignBase && !isAbsolute(raw))) return r.url;
    return null;
  }

  /**
   * A style="" value (as written) rewritten by the CSS rewriter, escaped and quoted; null when it
   * stays. Pages repeat their inline styles (icons, sprites, list items), so the answers are
   * remembered for the current base (and the last few chunks).
   */
  #rewriteStyle(value: string): string | null {
    let quoted = this.#styles.get(value);
    if (quoted !== undefined) return quoted;
    const raw = decodeAttr(value);
    quoted = null;
    // A URL in a declaration needs a function, url( or image-set(: no parenthesis, nothing to
    // map (@import, the other place CSS holds a URL, is ignored by browsers in style="").
    if (raw.indexOf('(') >= 0) {
      const v = rewritePlainCss(raw, this.#base, this.#opts.map) ?? rewriteCss(raw, { map: this.#opts.map, baseUrl: this.#base });
      if (v !== raw) quoted = '"' + escapeValue(v) + '"';
    }
    if (value.length <= MAX_REMEMBERED_STYLE) {
      if (this.#styles.size >= MAX_REMEMBERED_STYLES) this.#styles.clear();
      this.#styles.set(value, quoted);
    }
    return quoted;
  }

  #rewriteMeta(httpEquiv: string, content: string): string | null {
    if (httpEquiv === 'refresh') return rewriteRefresh(content, this.#base, this.#opts.map);
    if (httpEquiv === 'content-security-policy' || httpEquiv === 'content-security-policy-report-only') {
      const v = adjustPolicy(content, { map: this.#opts.map, gatewayHttps: this.#opts.gatewayHttps, hooks: false }).policy;
      return v === content ? null : v;
    }
    return null;
  }
}

const MAX_IMPORT_MAP = 256 * 1024;
const MAX_REMEMBERED_STYLES = 256;
const STYLE_MEMORY_CHUNKS = 8;
const MAX_REMEMBERED_STYLE = 1024;

/**
 * An import map's addresses (the values of `imports` and of each scope, and the scope prefixes)
 * mapped; specifier keys stay, since scripts import by them. Null when nothing changes or the
 * text is not a JSON import map.
 */
export function rewriteImportMap(json: string, baseUrl: string, map: OriginMap): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  let changed = false;
  const mapped = (u: string): string => {
    const r = mapByteUrl(u, baseUrl, map);
    if (r.kind !== 'mapped') return u;
    changed = true;
    return r.url;
  };
  const addresses = (table: unknown): unknown => {
    if (typeof table !== 'object' || table === null) return table;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(table)) out[k] = typeof v === 'string' ? mapped(v) : v;
    return out;
  };
  const m = parsed as { imports?: unknown; scopes?: unknown };
  const result: Record<string, unknown> = { ...m };
  if (m.imports !== undefined) result.imports = addresses(m.imports);
  if (typeof m.scopes === 'object' && m.scopes !== null) {
    const scopes: Record<string, unknown> = {};
    for (const [prefix, table] of Object.entries(m.scopes)) scopes[mapped(prefix)] = addresses(table);
    result.scopes = scopes;
  }
  return changed ? JSON.stringify(result).replace(/</g, '\\u003c') : null;
}

/** `5; url=https://bank.example/x` with its URL mapped, or null when it stays (header Refresh too). */
export function rewriteRefresh(content: string, baseUrl: string, map: OriginMap): string | null {
  const m = /^(\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?)(["']?)([\s\S]*)$/i.exec(content);
  if (!m || m[3].trim() === '') return null;
  let url = m[3];
  let tail = '';
  if (m[2] && url.includes(m[2])) {
    tail = url.slice(url.indexOf(m[2]));
    url = url.slice(0, url.indexOf(m[2]));
  }
  const r = mapByteUrl(url.trim(), baseUrl, map);
  return r.kind === 'mapped' ? m[1] + m[2] + r.url + tail : null;
}

export function createHtmlRewriteStream(opts: HtmlRewriteOptions): Transform {
  const r = new HtmlRewriter(opts);
  return latin1Transform(r);
}

export function rewriteHtml(html: string, opts: HtmlRewriteOptions): string {
  const r = new HtmlRewriter(opts);
  const out = r.write(Buffer.from(html, 'utf8').toString('latin1')) + r.end();
  return Buffer.from(out, 'latin1').toString('utf8');
}

/** One of URL_ATTRS: attribute names are interned, so this compares references, where a Set hashed. */
function isUrlAttr(attr: string): boolean {
  return (
    attr === 'href' ||
    attr === 'src' ||
    attr === 'action' ||
    attr === 'formaction' ||
    attr === 'poster' ||
    attr === 'background' ||
    attr === 'xlink:href'
  );
}

// --- edits ---

/** Replaces an attribute's value (quotes included) by a double-quoted, escaped one. */
function valueEdit(edits: TagEdits, a: TagAttr, value: string): void {
  quotedEdit(edits, a, '"' + escapeValue(value) + '"');
}

/** Replaces an attribute's value (quotes included) by text, already escaped and quoted. */
function quotedEdit(edits: TagEdits, a: TagAttr, text: string): void {
  if (a.valueStart < 0) edits.add(a.nameEnd, a.nameEnd, '=' + text);
  else if (a.quote) edits.add(a.valueStart - 1, a.valueEnd + 1, text);
  else edits.add(a.valueStart, a.valueEnd, text);
}

// --- values ---

const REFERENCE = /&[^;&\s<>"']*;?/g;

/**
 * Decodes character references for URL analysis. Work is on byte strings, so a reference that
 * stands for a non-ASCII character becomes that character's UTF-8 bytes.
 */
export function decodeAttr(raw: string): string {
  if (raw.indexOf('&') < 0) return raw;
  return raw.replace(REFERENCE, (ref) => {
    const d = decodeHTMLAttribute(ref);
    return /[^\x00-\x7f]/.test(d) ? Buffer.from(d, 'utf8').toString('latin1') : d;
  });
}

/**
 * What replaces a known origin before the plain rest text[rest, end) (mapUrl's result is lead +
 * rest): its gateway prefix, and a `/` when the rest does not start with one. Null for `//x` on
 * the primary origin, left to mapUrl (it must not read as protocol-relative).
 */
function leadOf(text: string, rest: number, end: number, o: CompiledOrigin): string | null {
  if (rest < end && text.charCodeAt(rest) === 0x2f) {
    if (o.primary && rest + 1 < end && text.charCodeAt(rest + 1) === 0x2f) return null;
    return o.prefix;
  }
  return o.prefix + '/';
}

/** Whether text[from, to) holds a `&` (looked for in the range only: indexOf would run on past it). */
function hasAmpersand(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 0x26) return true;
  return false;
}

/** Whether every `&` in text[from, to) starts `&amp;`. */
function ampersandsAreAmp(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (text.charCodeAt(i) !== 0x26) continue;
    if (i + 5 > to || !text.startsWith('amp;', i + 1)) return false;
    i += 4;
  }
  return true;
}

function escapeValue(v: string): string {
  // replaceAll with plain strings: a regex with a callback cost ~1 µs per style="" value.
  if (v.indexOf('&') >= 0) v = v.replaceAll('&', '&amp;');
  return v.indexOf('"') >= 0 ? v.replaceAll('"', '&quot;') : v;
}

function utf8(byteString: string): string {
  return /[\x80-\xff]/.test(byteString) ? Buffer.from(byteString, 'latin1').toString('utf8') : byteString;
}

function isAbsolute(url: string): boolean {
  return /^[\s\x00-\x1f]*(?:[a-z][a-z0-9+.-]*:|[/\\][/\\])/i.test(url);
}
