/**
 * A push-style HTML tokenizer that finds tags and their attribute ranges, follows the HTML
 * tokenizing rules that decide where markup is (parse5's / WHATWG's: raw text of script, style,
 * textarea, title, xmp, iframe, noembed, noframes, noscript and plaintext; the script-data
 * escaped and double-escaped states; comments with their abrupt endings; CDATA only in foreign
 * content; quoted, unquoted and valueless attributes; `>` inside quoted values), and copies
 * every byte it is not asked to change.
 *
 * It never builds a tree and never decodes text: the handler is called for start tags and raw-text
 * spans with offsets into the current text (an end tag's name is read only where it matters);
 * it answers a start tag with edits to its ranges (html-edits.ts), raw text with a replacement
 * string or null (copy as is). Input is a "byte string" (latin1: one char per byte), so chunk
 * boundaries inside UTF-8 sequences and invalid bytes cannot hurt. An unfinished tag, comment
 * opener or end-tag candidate at the end of a chunk is held back until the next chunk; the
 * content of comments and raw-text elements streams through without being held.
 */

import { commentClose, rawTextEnd, ScriptData } from './html-raw-text.js';
import { COMMON_TAGS, internName } from './html-names.js';
import { TagEdits } from './html-edits.js';

export interface TagAttr {
  nameStart: number;
  nameEnd: number;
  /** Value range without its quotes; -1 when the attribute has no value. */
  valueStart: number;
  valueEnd: number;
  /** 0x22, 0x27, or 0 when unquoted / valueless. */
  quote: number;
}

export type TokenKind = 'text' | 'comment' | 'doctype' | 'start' | 'end' | 'eof';

export interface TokenHandler {
  /** While true, `before` is called ahead of every token (used to place the hooks' tag). */
  watching: boolean;
  /** What to insert before a token of this kind (`name`: the tag name for start/end). */
  before(kind: TokenKind, name: string): string;
  /** A start tag [start, end) of text: the handler adds its changes to `edits` (none: copied as is). */
  startTag(
    text: string,
    start: number,
    end: number,
    name: string,
    attrs: readonly TagAttr[],
    count: number,
    selfClosing: boolean,
    edits: TagEdits,
  ): void;
  /** Whether the content of this raw-text element goes through `rawText` (else it is copied). */
  rewritesRawText(element: string): boolean;
  /** Content of a raw-text element, streamed in pieces; `last` on the piece before its end tag. */
  rawText(element: string, piece: string, last: boolean): string | null;
}

/** script, style, textarea, title, xmp, iframe, noembed, noframes, noscript, plaintext: by length first (a Set lookup hashed every tag). */
function isRawText(name: string): boolean {
  switch (name.length) {
    case 3:
      return name === 'xmp';
    case 5:
      return name === 'style' || name === 'title';
    case 6:
      return name === 'script' || name === 'iframe';
    case 7:
      return name === 'noembed';
    case 8:
      return name === 'textarea' || name === 'noframes' || name === 'noscript';
    case 9:
      return name === 'plaintext';
    default:
      return false;
  }
}
// Start tags that end foreign (svg/math) content (and <font> with color, face or size).
const BREAKOUT = new Set(
  'b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var'.split(
    ' ',
  ),
);

/** The most an unfinished tag or markup declaration may hold back (a 1 MB attribute is fine). */
const MAX_PENDING = 4 * 1024 * 1024;

const enum Mode {
  Data,
  Comment,
  RawText,
  Plaintext,
}

export class HtmlTokenizer {
  readonly #h: TokenHandler;
  #pending = '';
  #mode = Mode.Data;
  #raw = '';
  #rewriteRaw = false;
  readonly #scriptData = new ScriptData();
  /** Namespaces entered at svg/math and integration points; the last is the current one. */
  readonly #ns: ('html' | 'svg' | 'math')[] = ['html'];
  #selfClosing = false;
  readonly #attrs: TagAttr[] = [];
  readonly #edits = new TagEdits();

  constructor(handler: TokenHandler) {
    this.#h = handler;
  }

  write(chunk: string): string {
    const text = this.#pending.length ? this.#pending + chunk : chunk;
    this.#pending = '';
    return this.#run(text, false);
  }

  end(): string {
    const text = this.#pending;
    this.#pending = '';
    let out = this.#run(text, true);
    if (this.#mode === Mode.RawText && this.#rewriteRaw) out += this.#h.rawText(this.#raw, '', true) ?? '';
    if (this.#h.watching) out += this.#h.before('eof', '');
    return out;
  }

  #run(text: string, final: boolean): string {
    const h = this.#h;
    const len = text.length;
    let out = '';
    let copied = 0;
    let pos = 0;
    // Holds text[from…] for the next chunk (or, at the end, lets it through as it is).
    const hold = (from: number): string => {
      if (final) return out + text.slice(copied);
      if (len - from > MAX_PENDING) {
        // A construct this large is hostile or broken: stop rewriting and let the rest through
        // as it comes, rather than hold it (the CSP safety net reports what it loads).
        this.#mode = Mode.Plaintext;
        return out + text.slice(copied);
      }
      this.#pending = text.slice(from);
      return out + text.slice(copied, from);
    };

    while (pos < len) {
      if (this.#mode === Mode.Plaintext) return out + text.slice(copied);
      if (this.#mode === Mode.Comment) {
        const close = commentClose(text, pos);
        if (close < 0) return hold(final ? len : Math.max(pos, len - 3));
        pos = close;
        this.#mode = Mode.Data;
        continue;
      }
      if (this.#mode === Mode.RawText) {
        const endAt = this.#raw === 'script' ? this.#scriptData.end(text, pos) : rawTextEnd(text, pos, this.#raw);
        const stop = endAt.end >= 0 ? endAt.end : final ? len : endAt.safe;
        if (this.#rewriteRaw) {
          const piece = h.rawText(this.#raw, text.slice(pos, stop), endAt.end >= 0);
          if (piece !== null) {
            out += text.slice(copied, pos) + piece;
            copied = stop;
          }
        }
        if (endAt.end < 0) return hold(stop);
        this.#mode = Mode.Data;
        pos = endAt.end;
        continue;
      }

      const lt = text.indexOf('<', pos);
      if (lt < 0) {
        if (h.watching && !isBlank(text, pos, len)) {
          out += this.#before(text, copied, pos, 'text', '');
          copied = pos;
        }
        return out + text.slice(copied);
      }
      if (h.watching && lt > pos && !isBlank(text, pos, lt)) {
        out += this.#before(text, copied, pos, 'text', '');
        copied = pos;
      }
      if (lt + 1 >= len) return hold(lt);
      const c = text.charCodeAt(lt + 1);

      if (isAlpha(c)) {
        const end = this.#scanTag(text, lt + 1);
        if (end < 0) return hold(lt);
        const name = tagName(text, lt + 1, this.#nameEnd);
        const ns = this.#ns[this.#ns.length - 1];
        if (ns !== 'html' && (BREAKOUT.has(name) || (name === 'font' && this.#hasAttr(text, /^(color|face|size)$/i)))) {
          while (this.#ns[this.#ns.length - 1] !== 'html') this.#ns.pop();
        }
        if (h.watching) {
          out += this.#before(text, copied, lt, 'start', name);
          copied = lt;
        }
        const selfClosing = this.#selfClosing;
        const edits = this.#edits;
        edits.count = 0;
        h.startTag(text, lt, end, name, this.#attrs, this.#count, selfClosing, edits);
        if (edits.count > 0) {
          edits.sort();
          const { starts, ends, texts } = edits;
          for (let k = 0; k < edits.count; k++) {
            if (starts[k] < copied) continue;
            out += text.slice(copied, starts[k]) + texts[k];
            copied = ends[k];
          }
        }
        pos = end;
        const current = this.#ns[this.#ns.length - 1];
        if (name === 'svg' || name === 'math') {
          if (!selfClosing) this.#ns.push(name);
        } else if (current !== 'html') {
          if (!selfClosing && this.#isIntegrationPoint(text, name, current)) this.#ns.push('html');
        } else if (isRawText(name)) {
          this.#mode = name === 'plaintext' ? Mode.Plaintext : Mode.RawText;
          this.#raw = name;
          this.#rewriteRaw = h.rewritesRawText(name);
          this.#scriptData.reset();
        }
        continue;
      }
      if (c === 0x2f /* / */) {
        if (lt + 2 >= len) return hold(lt);
        const c2 = text.charCodeAt(lt + 2);
        if (isAlpha(c2)) {
          const end = this.#scanTag(text, lt + 2);
          if (end < 0) return hold(lt);
          // An end tag's name matters only inside svg or math and while the handler watches.
          if (h.watching || this.#ns.length > 1) {
            const name = tagName(text, lt + 2, this.#nameEnd);
            if (h.watching) {
              out += this.#before(text, copied, lt, 'end', name);
              copied = lt;
            }
            this.#endNamespace(name);
          }
          pos = end;
          continue;
        }
        if (c2 === 0x3e /* </> is dropped */) {
          pos = lt + 3;
          continue;
        }
        // `</` + anything else: a bogus comment up to `>`.
        const gt = text.indexOf('>', lt + 2);
        if (gt < 0) return hold(lt);
        pos = gt + 1;
        continue;
      }
      if (c === 0x21 /* ! */) {
        if (lt + 4 > len) return hold(lt);
        if (text.charCodeAt(lt + 2) === 0x2d && text.charCodeAt(lt + 3) === 0x2d) {
          if (h.watching) {
            out += this.#before(text, copied, lt, 'comment', '');
            copied = lt;
          }
          // `<!-->` and `<!--->` are whole comments.
          if (lt + 6 > len && !final) return hold(lt);
          const a = text.charCodeAt(lt + 4);
          if (a === 0x3e) pos = lt + 5;
          else if (a === 0x2d && text.charCodeAt(lt + 5) === 0x3e) pos = lt + 6;
          else {
            pos = lt + 4;
            this.#mode = Mode.Comment;
          }
          continue;
        }
        if (this.#ns[this.#ns.length - 1] !== 'html' && text.startsWith('[CDATA[', lt + 2)) {
          const close = text.indexOf(']]>', lt + 9);
          if (close < 0) return hold(lt);
          pos = close + 3;
          continue;
        }
        if (lt + 9 > len && '[CDATA['.startsWith(text.slice(lt + 2)) && !final) return hold(lt);
        const gt = text.indexOf('>', lt + 2);
        if (gt < 0) return hold(lt);
        if (h.watching) {
          out += this.#before(text, copied, lt, /^doctype/i.test(text.slice(lt + 2, lt + 9)) ? 'doctype' : 'comment', '');
          copied = lt;
        }
        pos = gt + 1;
        continue;
      }
      if (c === 0x3f /* <? bogus comment */) {
        const gt = text.indexOf('>', lt + 2);
        if (gt < 0) return hold(lt);
        pos = gt + 1;
        continue;
      }
      // A lone `<` is text.
      if (h.watching && !(lt > pos && !isBlank(text, pos, lt))) {
        out += this.#before(text, copied, lt, 'text', '');
        copied = lt;
      }
      pos = lt + 1;
    }
    return out + text.slice(copied);
  }

  #count = 0;
  /** Where the last scanned tag's name ends (scanTag found it; tagName need not look again). */
  #nameEnd = 0;

  #hasAttr(text: string, name: RegExp): boolean {
    for (let i = 0; i < this.#count; i++) if (name.test(text.slice(this.#attrs[i].nameStart, this.#attrs[i].nameEnd))) return true;
    return false;
  }

  /** HTML integration points (svg foreignObject/desc/title, math annotation-xml as HTML) and MathML text integration points. */
  #isIntegrationPoint(text: string, name: string, ns: 'svg' | 'math'): boolean {
    if (ns === 'svg') return name === 'foreignobject' || name === 'desc' || name === 'title';
    if (name === 'mi' || name === 'mo' || name === 'mn' || name === 'ms' || name === 'mtext') return true;
    if (name !== 'annotation-xml') return false;
    for (let i = 0; i < this.#count; i++) {
      const a = this.#attrs[i];
      if (
        a.valueStart >= 0 &&
        /^encoding$/i.test(text.slice(a.nameStart, a.nameEnd)) &&
        /^(text\/html|application\/xhtml\+xml)$/i.test(text.slice(a.valueStart, a.valueEnd))
      )
        return true;
    }
    return false;
  }

  #endNamespace(name: string): void {
    const stack = this.#ns;
    if (stack.length === 1) return;
    const current = stack[stack.length - 1];
    if (current === 'html') {
      const outer = stack[stack.length - 2];
      if (
        outer === 'svg'
          ? name === 'foreignobject' || name === 'desc' || name === 'title'
          : outer === 'math' &&
            (name === 'mi' || name === 'mo' || name === 'mn' || name === 'ms' || name === 'mtext' || name === 'annotation-xml')
      )
        stack.pop();
    } else if (name === current) stack.pop();
  }

  #before(text: string, copied: number, at: number, kind: TokenKind, name: string): string {
    return text.slice(copied, at) + this.#h.before(kind, name);
  }

  /**
   * Scans a tag from its name (at i) to just past its `>`, recording attribute ranges; -1 when
   * the tag is not finished in this text.
   */
  #scanTag(text: string, i: number): number {
    const len = text.length;
    const attrs = this.#attrs;
    let count = 0;
    let slashAt = -1;
    let p = i;
    while (p < len && !ends(text.charCodeAt(p), TAG_NAME_END)) p++;
    this.#nameEnd = p;
    for (;;) {
      // before attribute name
      while (p < len) {
        const c = text.charCodeAt(p);
        if (c === 0x2f) slashAt = p++;
        else if (isSpace(c)) p++;
        else break;
      }
      if (p >= len) return -1;
      if (text.charCodeAt(p) === 0x3e) break;
      const nameStart = p;
      p++; // the first char may be `=`
      while (p < len && !ends(text.charCodeAt(p), ATTR_NAME_END)) p++;
      const nameEnd = p;
      while (p < len && isSpace(text.charCodeAt(p))) p++;
      if (p >= len) return -1;
      let valueStart = -1;
      let valueEnd = -1;
      let quote = 0;
      if (text.charCodeAt(p) === 0x3d) {
        p++;
        while (p < len && isSpace(text.charCodeAt(p))) p++;
        if (p >= len) return -1;
        const q = text.charCodeAt(p);
        if (q === 0x22 || q === 0x27) {
          const close = text.indexOf(q === 0x22 ? '"' : "'", p + 1);
          if (close < 0) return -1;
          quote = q;
          valueStart = p + 1;
          valueEnd = close;
          p = close + 1;
        } else if (q === 0x3e) {
          valueStart = valueEnd = p; // `a=>`: an empty value
        } else {
          valueStart = p;
          while (p < len && !ends(text.charCodeAt(p), UNQUOTED_END)) p++;
          valueEnd = p;
        }
      }
      let a = attrs[count];
      if (a === undefined) a = attrs[count] = { nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0, quote: 0 };
      a.nameStart = nameStart;
      a.nameEnd = nameEnd;
      a.valueStart = valueStart;
      a.valueEnd = valueEnd;
      a.quote = quote;
      count++;
    }
    this.#count = count;
    this.#selfClosing = slashAt === p - 1;
    return p + 1;
  }
}

function tagName(text: string, i: number, p: number): string {
  const common = internName(text, i, p, COMMON_TAGS);
  if (common !== null) return common;
  const raw = text.slice(i, p);
  return hasUpper(raw) ? raw.toLowerCase() : raw;
}

function hasUpper(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}

// What ends a tag name, an attribute name and an unquoted value: flags by char code, all at or below `>`.
const TAG_NAME_END = 1;
const ATTR_NAME_END = 2;
const UNQUOTED_END = 4;
const ENDS = new Uint8Array(0x3f);
for (const c of [0x20, 0x0a, 0x09, 0x0c, 0x0d]) ENDS[c] = TAG_NAME_END | ATTR_NAME_END | UNQUOTED_END;
ENDS[0x2f] = TAG_NAME_END | ATTR_NAME_END;
ENDS[0x3d] = ATTR_NAME_END;
ENDS[0x3e] = TAG_NAME_END | ATTR_NAME_END | UNQUOTED_END;

/** One table read instead of a chain of comparisons: scanning names and values is most of a tag. */
function ends(c: number, what: number): boolean {
  return c <= 0x3e && (ENDS[c] & what) !== 0;
}

export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}

function isAlpha(c: number): boolean {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}

/** Whitespace only; a byte-order mark (UTF-8 bytes EF BB BF, or U+FEFF) counts as blank too. */
function isBlank(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (!isSpace(c) && c !== 0xef && c !== 0xbb && c !== 0xbf && c !== 0xfeff) return false;
  }
  return true;
}
