/**
 * Everything about sessions that is not the command log and that every replica must share:
 * session records and their codes, the call queue, presence, hashes (origin cookie jars,
 * membership) and a broadcast bus. Memory and Redis implementations pass one
 * conformance suite (`test/contract/directory.suite.ts`).
 */

import type { ParticipantInfo } from '../protocol/messages.js';
import type { SessionStatus } from './command-log.js';

export interface SessionRecord {
  id: string;
  /** 6 digits, unique among live sessions. */
  code: string;
  status: SessionStatus;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  /** Display names of everyone who took part, in order of arrival. */
  people: string[];
  /** The page the customer was on when the session was created or last navigated. */
  url?: string;
}

export interface CallRecord {
  id: string;
  sessionId: string;
  kind: 'call' | 'invite';
  code: string;
  requestedAt: number;
  requestedBy: string;
  url?: string;
  takenBy?: string;
  takenAt?: number;
}

export interface BusSubscription {
  close(): Promise<void>;
}

export interface Directory {
  /** Creates a record with a fresh unique code (retried on collision); returns it. */
  createSession(id: string, init: Omit<SessionRecord, 'id' | 'code'>): Promise<SessionRecord>;
  getSession(id: string): Promise<SessionRecord | null>;
  sessionByCode(code: string): Promise<SessionRecord | null>;
  /** Shallow-merges `patch`; returns the new record (null if unknown). */
  updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id' | 'code'>>): Promise<SessionRecord | null>;
  /** Waiting and active sessions, newest first. */
  liveSessions(): Promise<SessionRecord[]>;
  /** Ended sessions still retained, newest first. */
  pastSessions(limit: number): Promise<SessionRecord[]>;
  /** Marks ended, frees its code, removes its calls, forgets it after `retentionMs`. */
  endSession(id: string, retentionMs: number): Promise<void>;

  /** The call queue. */
  addCall(call: CallRecord): Promise<void>;
  /** Atomic: the first caller gets the record with takenBy set; everyone after gets null. */
  takeCall(callId: string, operator: string): Promise<CallRecord | null>;
  waitingCalls(): Promise<CallRecord[]>;

  /** Presence: who is connected to a session right now, across replicas. */
  setPresent(sessionId: string, p: ParticipantInfo, present: boolean): Promise<ParticipantInfo[]>;
  present(sessionId: string): Promise<ParticipantInfo[]>;

  /** Small hashes (cookie jars): set a field, or delete it with null. */
  hashSet(key: string, field: string, value: string | null, ttlMs: number): Promise<void>;
  hashGetAll(key: string): Promise<Record<string, string>>;

  /** Broadcast to every replica (the console's queue updates, presence changes). */
  publish(topic: string, event: unknown): Promise<void>;
  subscribe(topic: string, listener: (event: unknown) => void): Promise<BusSubscription>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
