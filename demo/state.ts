/** What the demo bank remembers, per process: logged-in sessions and the counters tests read. */

import { randomBytes } from 'node:crypto';
import type { Profile } from './profile.js';

export interface SentTransfer {
  readonly number: string;
  readonly from: string;
  readonly to: string;
  readonly iban: string;
  readonly cents: number;
  readonly reference: string;
  readonly date: string;
}

export interface BankSession {
  readonly id: string;
  readonly user: string;
  readonly transfers: SentTransfer[];
  profile: Profile | null;
}

/** Read by tests at `GET /__demo/stats`, e.g. to prove that a POST reached the origin exactly once. */
export interface Stats {
  transfers: number;
  logins: number;
  profileSaves: number;
}

export const COOKIE = 'demo_session';
/** Old sessions are dropped past this many, so a client that logs in forever cannot fill memory. */
const MAX_SESSIONS = 10_000;

export class BankState {
  readonly stats: Stats = { transfers: 0, logins: 0, profileSaves: 0 };
  private readonly sessions = new Map<string, BankSession>();

  login(user: string): BankSession {
    this.stats.logins++;
    const session: BankSession = { id: randomBytes(18).toString('base64url'), user, transfers: [], profile: null };
    this.sessions.set(session.id, session);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return session;
  }

  find(id: string | undefined): BankSession | null {
    return (id && this.sessions.get(id)) || null;
  }

  logout(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** Transfer numbers count across the process, so each POST that arrives gets a new one. */
  nextTransferNumber(): string {
    this.stats.transfers++;
    return `TR-${String(this.stats.transfers).padStart(6, '0')}`;
  }
}
