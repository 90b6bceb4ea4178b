/**
 * Per-key rate limiting with a trailing edge: the first value goes out at once, later ones at
 * most every 1/rate seconds, and the last value always goes out. Pointer, scroll and ink use it.
 */

export class Coalescer<T> {
  readonly #pending = new Map<string, T>();
  readonly #last = new Map<string, number>();
  readonly #timers = new Map<string, number>();

  constructor(
    private readonly rateHz: number,
    private readonly emit: (key: string, value: T) => void,
    private readonly timers: { set: typeof setTimeout; clear: typeof clearTimeout; now: () => number },
  ) {}

  push(key: string, value: T): void {
    if (this.rateHz <= 0) return this.emit(key, value);
    const gap = 1000 / this.rateHz;
    const wait = (this.#last.get(key) ?? -Infinity) + gap - this.timers.now();
    if (wait <= 0 && !this.#timers.has(key)) {
      this.#last.set(key, this.timers.now());
      this.emit(key, value);
      return;
    }
    this.#pending.set(key, value);
    if (!this.#timers.has(key)) {
      this.#timers.set(key, this.timers.set(() => this.flush(key), Math.max(0, wait)) as unknown as number);
    }
  }

  /** Sends what is pending for `key` now (end of a stroke, page hide). */
  flush(key: string): void {
    const t = this.#timers.get(key);
    if (t !== undefined) this.timers.clear(t);
    this.#timers.delete(key);
    if (!this.#pending.has(key)) return;
    const v = this.#pending.get(key) as T;
    this.#pending.delete(key);
    this.#last.set(key, this.timers.now());
    this.emit(key, v);
  }

  flushAll(): void {
    for (const k of [...this.#pending.keys()]) this.flush(k);
  }
}
