/**
 * The edits a handler makes to one start tag: ranges of the text and what replaces them (an
 * empty range inserts). The handler adds them; the tokenizer writes them into its output in
 * order of start (the order added among equal starts), skipping any that overlaps the one
 * before, and copies the bytes between them with the text around the tag, in one slice.
 *
 * Kept in arrays reused from tag to tag: an object per edit, an array and a sort per changed tag
 * were a third of the rewriter's garbage, and a tag built as a string of its own, then added to
 * the output, made the output a rope twice as deep for every reader to walk.
 */

export class TagEdits {
  count = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly texts: string[] = [];

  add(start: number, end: number, text: string): void {
    const i = this.count++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.texts[i] = text;
  }

  /** Adds an edit, dropping any earlier one of the same range. */
  replace(start: number, end: number, text: string): void {
    let k = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.starts[i] === start && this.ends[i] === end) continue;
      this.starts[k] = this.starts[i];
      this.ends[k] = this.ends[i];
      this.texts[k] = this.texts[i];
      k++;
    }
    this.count = k;
    this.add(start, end, text);
  }

  /** Orders the edits by start, stably (an insertion sort: they come nearly in order). */
  sort(): void {
    const { starts, ends, texts } = this;
    for (let i = 1; i < this.count; i++) {
      const s = starts[i];
      if (starts[i - 1] <= s) continue;
      const e = ends[i];
      const t = texts[i];
      let j = i - 1;
      for (; j >= 0 && starts[j] > s; j--) {
        starts[j + 1] = starts[j];
        ends[j + 1] = ends[j];
        texts[j + 1] = texts[j];
      }
      starts[j + 1] = s;
      ends[j + 1] = e;
      texts[j + 1] = t;
    }
  }
}
