/**
 * Flood control: a token bucket per connection. A burst is absorbed, a sustained excess is
 * throttled (dropped with an error), and a connection that keeps going past that is closed.
 */

import { FLOOD_BURST, FLOOD_DROPS_BEFORE_CLOSE, FLOOD_RATE_PER_SEC } from '../../protocol/limits.js';

export type FloodVerdict = 'accept' | 'throttle' | 'close';

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Messages dropped in a row; any accepted message starts the count over. */
  private drops = 0;

  constructor(
    private readonly ratePerSec = FLOOD_RATE_PER_SEC,
    private readonly burst = FLOOD_BURST,
    private readonly dropsBeforeClose = FLOOD_DROPS_BEFORE_CLOSE,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): FloodVerdict {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSec) / 1000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.drops = 0;
      return 'accept';
    }
    this.drops++;
    return this.drops >= this.dropsBeforeClose ? 'close' : 'throttle';
  }
}
