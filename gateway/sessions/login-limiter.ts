/**
 * Rate limits for the API: login attempts per operator name and client address, and session
 * creation per client address. Each is a sliding window of event times per key, kept
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

  /** Forgets the latest event of `key` (a reservation given back). */
  release(key: string): void {
    const times = this.#events.get(key);
    if (!times) return;
    times.pop();
    if (times.length === 0) this.#events.delete(key);
  }

  clear(key: string): void {
    this.#events.delete(key);
  }
}

/**
 * Login attempts, reserved before the password is checked: a reservation is counted at once in
 * every window, synchronously, so 30 guesses sent together are counted as 30 before the first
 * scrypt ends (checking first and recording the failure after the hash let all of them through).
 * A right password gives its reservation back.
 *
 * Three windows, so that guessing is bounded without handing anyone a way to lock an operator out:
 * - a name from one address: a few attempts, then a long wait (the ordinary guesser);
 * - one address, whatever the names: a few dozen (one address trying many names);
 * - a name from every address together: a short window, so guesses spread over many addresses
 *   are bounded too, while a lockout caused by someone else's guesses lasts minutes, not hours;
 *   and the operator's own address stays free of the other windows' counts.
 */
export class LoginLimiter {
  readonly byNameAddress: SlidingWindow;
  readonly byAddress: SlidingWindow;
  readonly byName: SlidingWindow;

  constructor(
    opts: { perNameAddress?: number; perAddress?: number; perName?: number; windowMs?: number; nameWindowMs?: number } = {},
    now: () => number = Date.now,
  ) {
    const windowMs = opts.windowMs ?? 15 * 60_000;
    this.byNameAddress = new SlidingWindow({ limit: opts.perNameAddress ?? 5, windowMs }, now);
    this.byAddress = new SlidingWindow({ limit: opts.perAddress ?? 20, windowMs }, now);
    this.byName = new SlidingWindow({ limit: opts.perName ?? 30, windowMs: opts.nameWindowMs ?? 5 * 60_000 }, now);
  }

  /**
   * Reserves one attempt for this name from this address: 0 when reserved (counted in every
   * window), else the milliseconds to wait (nothing counted).
   */
  reserve(name: string, address: string): number {
    const pair = pairKey(name, address);
    const wait = Math.max(this.byNameAddress.blockedFor(pair), this.byAddress.blockedFor(address), this.byName.blockedFor(name));
    if (wait > 0) return wait;
    this.byNameAddress.record(pair);
    this.byAddress.record(address);
    this.byName.record(name);
    return 0;
  }

  /**
   * A right password: the name's failures from this address are forgotten and its reservation
   * given back (not the address's: one address may guess many names).
   */
  succeeded(name: string, address: string): void {
    this.byNameAddress.clear(pairKey(name, address));
    this.byName.release(name);
  }
}

function pairKey(name: string, address: string): string {
  return `${address}\u0000${name}`;
}
