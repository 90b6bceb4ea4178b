/**
 * Admission: who may join the hub, decided the same way at both entrances (uWS's upgrade on the
 * direct port, the front door's raw socket). In the order a join meets them:
 *  - not while the hub drains (503);
 *  - a hub token, valid, signed and unexpired (401);
 *  - under the connection caps, per participant and per client address (429), checked before
 *    any read so that a flood costs no session lookup;
 *  - a session that exists and has not ended, and an operator still in it with an account
 *    (Leave and `operator remove` end a token before it expires) (401); a store that cannot
 *    answer refuses with 503.
 * What a join is handed on success is the session's epoch and head, for the welcome.
 */

import type { LogMeta } from '../../store/command-log.js';
import { ERRORS, type ErrorCode } from '../errors.js';
import type { HubClaims, VerifyResult } from '../identity/tokens.js';
import type { JoinState } from './bridge.js';
import type { ConnectionCaps } from './caps.js';

/** Why a join is refused: what both entrances answer (status, error code, message). */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

export function refusalOf(code: ErrorCode, message: string): Refusal {
  return { status: ERRORS[code].status, code, message };
}

/** The 503 while shutting down, with the front door's code for a draining gateway. */
export const DRAINING: Refusal = { status: 503, code: 'TANDEM_ERR_DRAINING', message: 'the gateway is shutting down' };

/** What admission reads, passed in (app.tokens, the log's meta, identity/standing, the caps). */
export interface AdmissionDeps {
  verify(token: string): VerifyResult<HubClaims>;
  meta(sessionId: string): Promise<LogMeta | null>;
  /** Why this participant no longer stands in the session (left, account removed), or null. */
  standing(claims: HubClaims): Promise<string | null>;
  caps: ConnectionCaps;
  /** The store could not answer (counted and logged by the caller). */
  storeFailed(err: unknown): void;
}

export class Admission {
  /** False once the hub drains: every join is then refused with 503. */
  accepting = true;

  constructor(private readonly deps: AdmissionDeps) {}

  /** A join's token, checked before anything is read or upgraded. */
  checkToken(token: string): { claims: HubClaims } | { refusal: Refusal } {
    if (!this.accepting) return { refusal: DRAINING };
    const verified = this.deps.verify(token);
    if (verified.ok) return { claims: verified.claims };
    return { refusal: refusalOf('TANDEM_ERR_UNAUTHORIZED', token ? `the hub token is ${verified.reason}` : 'a hub token is required') };
  }

  /** A join past the connection caps (per participant, per address): 429 before any upgrade. */
  capRefusal(claims: HubClaims, address: string): Refusal | null {
    const why = this.deps.caps.refusal({ session: claims.s, participant: claims.p, address });
    return why ? refusalOf('TANDEM_ERR_RATE_LIMITED', why) : null;
  }

  /**
   * A join's session and standing: the session must exist and not have ended, and an operator
   * must still be in it with an account; the session's state is what the welcome names.
   */
  async readSession(claims: HubClaims): Promise<{ state: JoinState } | { refusal: Refusal }> {
    let meta: LogMeta | null;
    let ended: string | null;
    try {
      [meta, ended] = await Promise.all([this.deps.meta(claims.s), this.deps.standing(claims)]);
    } catch (err) {
      this.deps.storeFailed(err);
      return { refusal: refusalOf('TANDEM_ERR_STORE_UNAVAILABLE', 'the store is unreachable') };
    }
    if (!meta || meta.status === 'ended') {
      return { refusal: refusalOf('TANDEM_ERR_UNAUTHORIZED', 'the token names a session that is unknown or has ended') };
    }
    if (ended) return { refusal: refusalOf('TANDEM_ERR_UNAUTHORIZED', ended) };
    if (!this.accepting) return { refusal: DRAINING };
    return { state: { epoch: meta.epoch, head: meta.head } };
  }
}
