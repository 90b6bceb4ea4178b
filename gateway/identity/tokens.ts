/**
 * Signed, expiring tokens: base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, claims)).
 * Hub tokens name the session, the participant and the role; console tokens name an operator;
 * resource tokens let an operator's mirror load its session's stylesheets, images and fonts on
 * the customers' origin (GET and HEAD only, see identity/participant.ts), and nothing else.
 */

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../protocol/messages.js';

export type TokenKind = 'hub' | 'console' | 'resource';

export interface HubClaims {
  kind: 'hub';
  /** Session id. */
  s: string;
  /** Participant id. */
  p: string;
  r: Role;
  /** Display name. */
  n: string;
  /** Expiry, epoch ms. */
  e: number;
}

export interface ConsoleClaims {
  kind: 'console';
  /** Operator name. */
  o: string;
  e: number;
}

/** The same names as a hub token's, for another purpose. */
export interface ResourceClaims extends Omit<HubClaims, 'kind'> {
  kind: 'resource';
}

export type Claims = HubClaims | ConsoleClaims | ResourceClaims;

export type VerifyResult<C> = { ok: true; claims: C } | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'wrong-kind' };

export class Tokens {
  readonly #key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = createHmac('sha256', 'tandem-token-key').update(secret).digest();
  }

  sign(claims: Claims): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  hub(session: string, participant: string, role: Role, name: string, ttlMs: number): string {
    return this.sign({ kind: 'hub', s: session, p: participant, r: role, n: name, e: this.now() + ttlMs });
  }

  resource(hub: HubClaims): string {
    return this.sign({ ...hub, kind: 'resource' });
  }

  console(operator: string, ttlMs: number): string {
    return this.sign({ kind: 'console', o: operator, e: this.now() + ttlMs });
  }

  verify<K extends TokenKind>(token: string | undefined | null, kind: K): VerifyResult<Extract<Claims, { kind: K }>> {
    if (!token || token.length > 4096) return { ok: false, reason: 'malformed' };
    const dot = token.indexOf('.');
    if (dot <= 0) return { ok: false, reason: 'malformed' };
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.kind !== kind) return { ok: false, reason: 'wrong-kind' };
    if (typeof claims.e !== 'number' || claims.e <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, claims: claims as Extract<Claims, { kind: K }> };
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}

/** Random ids for sessions, participants and calls: 128 bits, URL-safe. */
export function newId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
