/**
 * Rate limits for the API: failed logins per operator name and per client address, and
 * session creation per client address. Each is a sliding window of event times per key, kept
 * in this replica's memory: a replica behind a load balancer limits what reaches it, which
 * bounds a guesser at (replicas × limit) attempts a window.
 */

export interface WindowOptions {
  /** Events allowed within `windowMs`. */
  limit: number;
  windowMs: number;
  /** Keys remembered at most; the least recently touched go first. */
  maxKeys?: number;
}

export class SlidingWindow {
  readonly #events = new Map<string, number[]>();

  constructor(
    readonly opts: WindowOptions,
    private readonly now: () => number = Date.now,
  ) {}

  #recent(key: string): number[] {
    const since = this.now() - this.opts.windowMs;
    const times = (this.#events.get(key) ?? []).filter((t) => t > since);
    if (times.length === 0) this.#events.delete(key);
    return times;
  }

  /** Milliseconds until `key` may act again; 0 when it may now. */
  blockedFor(key: string): number {
    const times = this.#recent(key);
    if (times.length < this.opts.limit) return 0;
    return Math.max(1, times[times.length - this.opts.limit] + this.opts.windowMs - this.now());
  }

  record(key: string): void {
    const times = this.#recent(key);
    times.push(this.now());
    this.#events.delete(key);
    this.#events.set(key, times);
    const max = this.opts.maxKeys ?? 10_000;
    while (this.#events.size > max) this.#events.delete(this.#events.keys().next().value as string);
  }

  /** Records an event unless blocked; returns the wait in ms (0: allowed and recorded). */
  take(key: string): number {
    const wait = this.blockedFor(key);
    if (wait === 0) this.record(key);
    return wait;
  }

  clear(key: string): void {
    this.#events.delete(key);
  }
}

export class LoginLimiter {
  readonly byName: SlidingWindow;
  readonly byAddress: SlidingWindow;

  constructor(opts: { perName?: number; perAddress?: number; windowMs?: number } = {}, now: () => number = Date.now) {
    const windowMs = opts.windowMs ?? 15 * 60_000;
    this.byName = new SlidingWindow({ limit: opts.perName ?? 5, windowMs }, now);
    this.byAddress = new SlidingWindow({ limit: opts.perAddress ?? 20, windowMs }, now);
  }

  /** Milliseconds to wait before another attempt for this name from this address (0: go ahead). */
  blockedFor(name: string, address: string): number {
    return Math.max(this.byName.blockedFor(name), this.byAddress.blockedFor(address));
  }

  failed(name: string, address: string): void {
    this.byName.record(name);
    this.byAddress.record(address);
  }

  /** A right password clears the name's failures (not the address's: one address may guess many names). */
  succeeded(name: string): void {
    this.byName.clear(name);
  }
}
