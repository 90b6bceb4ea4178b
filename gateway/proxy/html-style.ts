/**
 * CSS inside HTML (style="" values and whole <style> elements) on its fast path: when the only
 * thing in it the CSS rewriter would look at is plain `url(…)`s, they are mapped here in one
 * pass, with the rewriter's output to the byte; anything else (comments, strings, escapes,
 * @import, image-set(), a `url(` with spaces or after a name char) answers null, and the caller
 * runs rewrite-css.ts, which stays the one place that knows CSS.
 *
 * The CSS rewriter's output for a url() it maps is `url(` + `"mapped"` + `)` (the URL escaped for
 * a CSS string); for one it keeps, the url() as written; everything between is copied.
 */

import { mapByteUrl } from './rewrite-css.js';
import { knownOriginAt, type OriginMap } from '../../protocol/url-map.js';

/** `css` with its url()s mapped (css itself when none changes), or null when only rewrite-css may decide. */
export function rewritePlainCss(css: string, baseUrl: string, map: OriginMap): string | null {
  const len = css.length;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < len) {
    const c = css.charCodeAt(i);
    // What the CSS rewriter scans for, besides url(: quotes, escapes, comments, @import.
    if (c === 0x22 || c === 0x27 || c === 0x5c || c === 0x40 || (c === 0x2f && css.charCodeAt(i + 1) === 0x2a)) return null;
    if (c !== 0x28 /* ( */) {
      i++;
      continue;
    }
    if (endsWithName(css, i, 'image-set')) return null;
    if (!endsWithName(css, i, 'url')) {
      i++;
      continue;
    }
    // `url(` must not end a longer name (`myurl(`): the CSS rewriter skips those and reads on.
    if (i >= 4 && isNameChar(css.charCodeAt(i - 4))) return null;
    const open = i + 1;
    const q = css.charCodeAt(open);
    let from: number;
    let to: number;
    let end: number;
    if (q === 0x22 || q === 0x27) {
      from = open + 1;
      to = css.indexOf(q === 0x22 ? '"' : "'", from);
      if (to < 0 || css.charCodeAt(to + 1) !== 0x29) return null;
      end = to + 2;
    } else {
      from = open;
      to = css.indexOf(')', from);
      if (to < 0) return null;
      end = to + 1;
    }
    // Inside: no escape, space, quote, parenthesis or line end (each has its own rules there).
    for (let k = from; k < to; k++) {
      const u = css.charCodeAt(k);
      if (u <= 0x20 || u === 0x5c || u === 0x22 || u === 0x27 || u === 0x28 || u === 0x29) return null;
    }
    const mapped = mapCssUrl(css, from, to, baseUrl, map);
    if (mapped !== null) {
      out += css.slice(copied, open) + mapped + ')';
      copied = end;
    }
    i = end;
  }
  return copied === 0 ? css : out + css.slice(copied);
}

/** The quoted CSS string for the URL css[from, to), as the CSS rewriter writes it, or null when it stays. */
function mapCssUrl(css: string, from: number, to: number, baseUrl: string, map: OriginMap): string | null {
  const o = knownOriginAt(css, from, to, map);
  if (o !== null) {
    const rest = from + o.origin.length;
    if (rest < to && css.charCodeAt(rest) === 0x2f) {
      // A plain rest holds no quote, backslash or newline: nothing to escape.
      if (!o.primary || rest + 1 >= to || css.charCodeAt(rest + 1) !== 0x2f) return '"' + o.prefix + css.slice(rest, to) + '"';
    } else return '"' + o.prefix + '/' + css.slice(rest, to) + '"';
  }
  const r = mapByteUrl(css.slice(from, to), baseUrl, map);
  if (r.kind !== 'mapped') return null;
  return '"' + r.url.replace(/["\\\n]/g, (ch) => (ch === '\n' ? '\\a ' : '\\' + ch)) + '"';
}

/** Whether css[…at) ends with `name` (ASCII letters in any case). */
function endsWithName(css: string, at: number, name: string): boolean {
  const from = at - name.length;
  if (from < 0) return false;
  for (let k = 0; k < name.length; k++) {
    const c = css.charCodeAt(from + k);
    const n = name.charCodeAt(k);
    if (c !== n && !(c >= 0x41 && c <= 0x5a && (c | 0x20) === n)) return false;
  }
  return true;
}

function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x5c || c >= 0x80
  );
}
