/** Random identifiers the stores mint: epochs and session codes. */

import { randomBytes, randomInt } from 'node:crypto';

/** A fresh epoch: random, so two lives of one session id never share one. */
export function newEpoch(): string {
  return randomBytes(9).toString('base64url');
}

/** A 6-digit session code (leading zeros kept). */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}
