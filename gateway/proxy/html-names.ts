/**
 * Interned tag and attribute names: the tokenizer and the rewriter compare names millions of
 * times a second, and slicing a fresh string for each `<div>` or `href` is most of their garbage.
 * `internName(text, start, end, table)` answers the table's own lower-case string when the range
 * spells one of its names (in any case), without allocating; null otherwise.
 */

export type NameTable = readonly (readonly string[] | undefined)[];

/** Groups names by length, for internName. */
export function nameTable(names: readonly string[]): NameTable {
  const table: string[][] = [];
  for (const n of names) (table[n.length] ??= []).push(n);
  return table;
}

export function internName(text: string, start: number, end: number, table: NameTable): string | null {
  const candidates = table[end - start];
  if (candidates === undefined) return null;
  outer: for (const n of candidates) {
    for (let k = 0; k < n.length; k++) {
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
