/**
 * Byte budgets: how many bytes of commands a participant, and a session as a whole, may have
 * logged over a window. The flood limit (flood.ts) counts messages; a client that stays under it
 * with frames of the largest size could still log tens of MB a second, which the store keeps
 * (in memory with the embedded store) and every participant is sent. Past a budget, commands
 * are refused with an error; a client that keeps sending anyway is closed with 1008.
 *
 * Each budget is a bucket of bytes that refills over the window: a burst up to the whole budget
 * (a large page's snapshot), then the window's rate. Generous on purpose: the customer's DOM
 * snapshots and changes are the heaviest honest traffic, a few MB a minute for a busy page.
 * Counted in this replica's memory, like the other rate limits: behind a balancer that spreads
 * one session's participants, each replica applies the budget to what it receives.
 */

/** Bytes one participant may have logged per window. */
export const PARTICIPANT_BUDGET_BYTES = 16 * 1024 * 1024;
/** Bytes one session (all its participants together) may have logged per window. */
export const SESSION_BUDGET_BYTES = 32 * 1024 * 1024;
export const BUDGET_WINDOW_MS = 60_000;
/**
 * Commands refused for the budget before the connection is closed with 1008, counted while they
 * keep coming: a pause of BUDGET_QUIET_MS starts the count over. The few commands the refilling
 * budget lets through meanwhile do not: a client sending far past the budget is closed, one that
 * backs off when told is not.
 */
export const BUDGET_REFUSALS_BEFORE_CLOSE = 200;
export const BUDGET_QUIET_MS = 5_000;

/** One connection's refusals for the budget. */
export class BudgetRefusals {
  #count = 0;
  #last = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts a refusal; true when the connection should now be closed. */
  refused(): boolean {
    const t = this.now();
    if (t - this.#last > BUDGET_QUIET_MS) this.#count = 0;
    this.#last = t;
    return ++this.#count >= BUDGET_REFUSALS_BEFORE_CLOSE;
  }
}

class Bucket {
  constructor(
    public bytes: number,
    public at: number,
  ) {}
}

export class ByteBudgets {
  readonly #buckets = new Map<string, Bucket>();
  #calls = 0;

  constructor(
    readonly participantBytes = PARTICIPANT_BUDGET_BYTES,
    readonly sessionBytes = SESSION_BUDGET_BYTES,
    readonly windowMs = BUDGET_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes `bytes` from the participant's and the session's budgets; false (nothing taken) when
   * either has less left.
   */
  take(session: string, participant: string, bytes: number): boolean {
    const t = this.now();
    if (++this.#calls % 1000 === 0) this.#prune(t);
    const p = this.#bucket(`p\u0000${session}\u0000${participant}`, this.participantBytes, t);
    const s = this.#bucket(`s\u0000${session}`, this.sessionBytes, t);
    if (p.bytes < bytes || s.bytes < bytes) return false;
    p.bytes -= bytes;
    s.bytes -= bytes;
    return true;
  }

  #bucket(key: string, capacity: number, t: number): Bucket {
    let b = this.#buckets.get(key);
    if (!b) {
      b = new Bucket(capacity, t);
      this.#buckets.set(key, b);
      return b;
    }
    b.bytes = Math.min(capacity, b.bytes + ((t - b.at) * capacity) / this.windowMs);
    b.at = t;
    return b;
  }

  /** Forgets buckets that have refilled: they are what a new one would be. */
  #prune(t: number): void {
    for (const [key, b] of this.#buckets) {
      const capacity = key.startsWith('p') ? this.participantBytes : this.sessionBytes;
      if (b.bytes + ((t - b.at) * capacity) / this.windowMs >= capacity) this.#buckets.delete(key);
    }
  }
}
