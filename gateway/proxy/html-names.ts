/**
 * Interned tag and attribute names: the tokenizer and the rewriter compare names millions of
 * times a second, and slicing a fresh string for each `<div>` or `href` is most of their garbage.
 * `internName(text, start, end, table)` answers the table's own lower-case string when the range
 * spells one of its names (in any case), without allocating; null otherwise.
 */

/**
 * Names bucketed by length and by their first and last letters (case folded), so that a lookup
 * reads two chars, finds at most a couple of candidates, and compares only those.
 */
export type NameTable = readonly (readonly string[] | undefined)[];

function bucketOf(length: number, first: number, last: number): number {
  return ((length & 15) << 10) | (((first | 0x20) & 31) << 5) | ((last | 0x20) & 31);
}

export function nameTable(names: readonly string[]): NameTable {
  // Preallocated: an array grown by far-apart indices would fall back to slow dictionary elements.
  const table: (string[] | undefined)[] = new Array<string[] | undefined>(1 << 14).fill(undefined);
  for (const n of names) (table[bucketOf(n.length, n.charCodeAt(0), n.charCodeAt(n.length - 1))] ??= []).push(n);
  return table;
}

export function internName(text: string, start: number, end: number, table: NameTable): string | null {
  const length = end - start;
  if (length <= 0) return null;
  const candidates = table[bucketOf(length, text.charCodeAt(start), text.charCodeAt(end - 1))];
  if (candidates === undefined) return null;
  outer: for (let i = 0; i < candidates.length; i++) {
    const n = candidates[i];
    if (n.length !== length) continue;
    for (let k = 0; k < length; k++) {
      const c = text.charCodeAt(start + k);
      // ASCII letters compare without case; everything else exactly.
      if (c !== n.charCodeAt(k) && !(c >= 0x41 && c <= 0x5a && (c | 0x20) === n.charCodeAt(k))) continue outer;
    }
    return n;
  }
  return null;
}

/** Tag names common enough to intern (any other name is sliced). */
export const COMMON_TAGS = nameTable(
  'a abbr area article aside audio b base blockquote body br button canvas caption code col dd details dialog div dl dt em embed fieldset figure footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img input label legend li link main math meta nav noscript object ol optgroup option p path picture pre script section select small source span strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track u ul use video'.split(
    ' ',
  ),
);
