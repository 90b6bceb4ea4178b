/**
 * Where raw text ends: the content of script (with the script-data escaped and double-escaped
 * states, where `<!--<script>` hides the next `</script>`), of the other raw-text and RCDATA
 * elements, and of comments. Each answer says either where the end starts or how far the
 * content may safely be let through before the next chunk decides.
 */

export interface RawTextEnd {
  /** Where the end tag starts, or -1 when it is not in this text. */
  end: number;
  /** When not found: how far the text may be emitted (what follows could start the end tag). */
  safe: number;
}

const enum Script {
  Data,
  Escaped,
  DoubleEscaped,
}

/** The tokenizer state inside a <script>, carried across chunks. */
export class ScriptData {
  #state = Script.Data;

  reset(): void {
    this.#state = Script.Data;
  }

  /** The end of a script element's content: where its `</script` starts, or how far is safe to emit. */
  end(text: string, pos: number): RawTextEnd {
    const len = text.length;
    for (;;) {
      if (this.#state === Script.Data) {
        const k = text.indexOf('<', pos);
        if (k < 0) return { end: -1, safe: len };
        if (text.startsWith('<!--', k)) {
          this.#state = Script.Escaped;
          pos = k + 2;
          continue;
        }
        if (isEndTagAt(text, k, 'script')) return { end: k, safe: k };
        if (len - k < 10 && mayStart(text, k, '<!--', '</script')) return { end: -1, safe: Math.max(pos, k) };
        pos = k + 1;
        continue;
      }
      const lt = text.indexOf('<', pos);
      const dashes = text.indexOf('-->', pos);
      if (dashes >= 0 && (lt < 0 || dashes < lt)) {
        this.#state = Script.Data;
        pos = dashes + 3;
        continue;
      }
      if (lt < 0 || (len - lt < 10 && mayStart(text, lt, '<script', '</script')))
        return { end: -1, safe: Math.max(pos, Math.min(lt < 0 ? len : lt, len - 2)) };
      if (this.#state === Script.Escaped) {
        if (isEndTagAt(text, lt, 'script')) return { end: lt, safe: lt };
        if (isStartTagAt(text, lt, 'script')) {
          this.#state = Script.DoubleEscaped;
          pos = lt + 7;
          continue;
        }
      } else if (isEndTagAt(text, lt, 'script')) {
        this.#state = Script.Escaped;
        pos = lt + 8;
        continue;
      }
      pos = lt + 1;
    }
  }
}

export function rawTextEnd(text: string, pos: number, name: string): RawTextEnd {
  const len = text.length;
  for (;;) {
    const k = text.indexOf('</', pos);
    if (k < 0) return { end: -1, safe: text.charCodeAt(len - 1) === 0x3c ? Math.max(pos, len - 1) : len };
    if (isEndTagAt(text, k, name)) return { end: k, safe: k };
    if (len - k < name.length + 3 && mayStart(text, k, '</' + name, '</' + name)) return { end: -1, safe: Math.max(pos, k) };
    pos = k + 2;
  }
}

/** Whether text[k…] (running to the end of text) may be the start of `a` or `b` plus a delimiter. */
function mayStart(text: string, k: number, a: string, b: string): boolean {
  const rest = text.slice(k).toLowerCase();
  const fits = (w: string): boolean =>
    rest.length <= w.length
      ? w.startsWith(rest)
      : rest.startsWith(w) && rest.length === w.length + 1 && (w === '<!--' || isEndTagDelimiter(rest.charCodeAt(w.length)));
  return fits(a) || fits(b);
}

/** Whether `</name` followed by a space, `/` or `>` starts at k (name compared without case). */
function isEndTagAt(text: string, k: number, name: string): boolean {
  if (text.charCodeAt(k) !== 0x3c || text.charCodeAt(k + 1) !== 0x2f) return false;
  return nameAt(text, k + 2, name) && isEndTagDelimiter(text.charCodeAt(k + 2 + name.length));
}

function isStartTagAt(text: string, k: number, name: string): boolean {
  return text.charCodeAt(k) === 0x3c && nameAt(text, k + 1, name) && isEndTagDelimiter(text.charCodeAt(k + 1 + name.length));
}

function nameAt(text: string, at: number, name: string): boolean {
  for (let j = 0; j < name.length; j++) if ((text.charCodeAt(at + j) | 0x20) !== name.charCodeAt(j)) return false;
  return true;
}

function isEndTagDelimiter(c: number): boolean {
  return isSpace(c) || c === 0x2f || c === 0x3e;
}

/** Index just past the end of a comment whose body starts at pos, or -1. */
export function commentClose(text: string, pos: number): number {
  for (;;) {
    const k = text.indexOf('--', pos);
    if (k < 0) return -1;
    const c = text.charCodeAt(k + 2);
    if (c === 0x3e) return k + 3;
    if (c === 0x21 && text.charCodeAt(k + 3) === 0x3e) return k + 4;
    if (c !== c || (c === 0x21 && k + 3 >= text.length)) return -1;
    pos = k + 1;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}
