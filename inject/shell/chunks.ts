/**
 * Reassembles the chunks of recorded events (protocol/mirror.ts) as they arrive in `seq` order.
 * One sender (the customer) sends a batch's chunks back to back, so a batch is complete when its
 * last chunk arrives; a chunk out of turn drops the batch it interrupts (a lost piece never
 * leaves half a document in the mirror).
 */

import type { Chunk } from '../../protocol/mirror.js';

export class ChunkAssembler {
  #sid = '';
  #parts: string[] = [];
  #n = 0;

  /** Adds a chunk; returns the batch's JSON text when it is complete. */
  add(c: Chunk): string | null {
    if (c.i === 0) {
      this.#sid = c.sid;
      this.#parts = [];
      this.#n = c.n;
    } else if (c.sid !== this.#sid || c.n !== this.#n || c.i !== this.#parts.length) {
      this.reset();
      return null;
    }
    this.#parts.push(c.part);
    if (this.#parts.length < this.#n) return null;
    const text = this.#parts.length === 1 ? this.#parts[0] : this.#parts.join('');
    this.reset();
    return text;
  }

  reset(): void {
    this.#sid = '';
    this.#parts = [];
    this.#n = 0;
  }
}
