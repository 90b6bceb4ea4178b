/**
 * Whether an operator's hub token still stands. A token is signed when the operator joins and
 * stays valid until it expires; what may change before then is the operator's membership (they
 * pressed Leave) and their account (`tandem operator remove`). Both are checked wherever the
 * token is honoured: when it joins the hub, and on every proxied request that would lend it the
 * session's cookies (cached briefly, so an ended membership stops lending within seconds).
 *
 * Membership lives in the directory, one hash per session (`members:<id>`, field = operator
 * name), written by the call flow when an operator joins and marked `leftAt` when they leave.
 * A customer's token covers its session for as long as the session lives: nothing more is asked.
 */

import type { Directory } from '../../store/directory.js';
import type { HubClaims } from './tokens.js';

export const membersKey = (sessionId: string): string => `members:${sessionId}`;

export interface Member {
  participant: string;
  joinedAt: number;
  leftAt?: number;
}

/** The operator accounts as far as standing needs them: whether a name still has one. */
export interface Accounts {
  get(name: string): Promise<unknown>;
}

export function parseMembers(raw: Record<string, string>): Map<string, Member> {
  const out = new Map<string, Member>();
  for (const [name, value] of Object.entries(raw)) {
    try {
      out.set(name, JSON.parse(value) as Member);
    } catch {
      /* a damaged entry is no membership */
    }
  }
  return out;
}

export class Standing {
  readonly #cache = new Map<string, { reason: string | null; until: number }>();

  constructor(
    private readonly directory: Directory,
    private readonly accounts: Accounts,
    private readonly cacheMs = 2000,
  ) {}

  /**
   * null when the token still stands; else why not. `fresh` skips the cache (a hub join).
   * An operator token whose session holds no membership for its name was never handed out by a
   * join (only a holder of TANDEM_SECRET could have made it), so nothing has ended it.
   */
  async check(claims: HubClaims, opts: { fresh?: boolean } = {}): Promise<string | null> {
    if (claims.r !== 'operator') return null;
    const key = `${claims.s}\u0000${claims.n}\u0000${claims.p}`;
    const now = Date.now();
    const hit = this.#cache.get(key);
    if (!opts.fresh && hit && hit.until > now) return hit.reason;
    const reason = await this.#check(claims);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(key, { reason, until: now + this.cacheMs });
    return reason;
  }

  async #check(claims: HubClaims): Promise<string | null> {
    const member = parseMembers(await this.directory.hashGetAll(membersKey(claims.s))).get(claims.n);
    if (!member) return null;
    if (member.participant !== claims.p) return 'the token is not that of the operator in this session';
    if (member.leftAt !== undefined) return 'the operator has left the session';
    if (!(await this.accounts.get(claims.n))) return 'that operator account no longer exists';
    return null;
  }
}
