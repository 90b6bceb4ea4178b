/**
 * The directory held in this process (single gateway). Behaves like the Redis directory: records
 * are copied in and out, so callers never share mutable state with the store; expiry is checked
 * lazily on access and by unref'd timers that free the memory.
 */

import type { ParticipantInfo } from '../protocol/messages.js';
import type { BusSubscription, CallRecord, Directory, SessionRecord } from './directory.js';
import { newCode } from './ids.js';

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

const SWEEP_MS = 30_000;

const copyRecord = (r: SessionRecord): SessionRecord => ({ ...r, people: [...r.people] });

export class MemoryDirectory implements Directory {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly expiries = new Map<string, number>();
  private readonly codes = new Map<string, string>();
  private readonly calls = new Map<string, CallRecord>();
  private readonly presence = new Map<string, Map<string, ParticipantInfo>>();
  private readonly hashes = new Map<string, Expiring<Map<string, string>>>();
  private readonly topics = new Map<string, Set<(event: unknown) => void>>();
  /** Lazy checks on access decide what is expired; this sweep only frees memory nobody reads again. */
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();

  async createSession(id: string, init: Omit<SessionRecord, 'id' | 'code'>): Promise<SessionRecord> {
    const existing = this.record(id);
    if (existing) return copyRecord(existing);
    let code = newCode();
    while (this.codes.has(code)) code = newCode();
    const record: SessionRecord = { ...init, people: [...(init.people ?? [])], id, code };
    this.sessions.set(id, record);
    this.codes.set(code, id);
    return copyRecord(record);
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const r = this.record(id);
    return r ? copyRecord(r) : null;
  }

  async sessionByCode(code: string): Promise<SessionRecord | null> {
    const id = this.codes.get(code);
    return id === undefined ? null : this.getSession(id);
  }

  async updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id' | 'code'>>): Promise<SessionRecord | null> {
    const r = this.record(id);
    if (!r) return null;
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'id' || field === 'code' || value === undefined) continue;
      (r as unknown as Record<string, unknown>)[field] = Array.isArray(value) ? [...value] : value;
    }
    return copyRecord(r);
  }

  async liveSessions(): Promise<SessionRecord[]> {
    return [...this.sessions.keys()]
      .map((id) => this.record(id))
      .filter((r): r is SessionRecord => r !== null && r.status !== 'ended')
      .sort((a, b) => b.createdAt - a.createdAt)
      .map(copyRecord);
  }

  async pastSessions(limit: number): Promise<SessionRecord[]> {
    return [...this.sessions.keys()]
      .map((id) => this.record(id))
      .filter((r): r is SessionRecord => r !== null && r.status === 'ended')
      .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0))
      .slice(0, Math.max(0, limit))
      .map(copyRecord);
  }

  async endSession(id: string, retentionMs: number): Promise<void> {
    const r = this.record(id);
    if (!r) return;
    r.status = 'ended';
    r.endedAt ??= Date.now();
    if (this.codes.get(r.code) === id) this.codes.delete(r.code);
    for (const [callId, call] of this.calls) if (call.sessionId === id) this.calls.delete(callId);
    this.presence.delete(id);
    this.expiries.set(id, Date.now() + retentionMs);
  }

  async addCall(call: CallRecord): Promise<void> {
    this.calls.set(call.id, { ...call });
  }

  async takeCall(callId: string, operator: string): Promise<CallRecord | null> {
    const call = this.calls.get(callId);
    if (!call || call.takenBy !== undefined) return null;
    call.takenBy = operator;
    call.takenAt = Date.now();
    return { ...call };
  }

  async waitingCalls(): Promise<CallRecord[]> {
    return [...this.calls.values()]
      .filter((c) => c.takenBy === undefined)
      .sort((a, b) => a.requestedAt - b.requestedAt)
      .map((c) => ({ ...c }));
  }

  async setPresent(sessionId: string, p: ParticipantInfo, present: boolean): Promise<ParticipantInfo[]> {
    let here = this.presence.get(sessionId);
    if (present) {
      if (!here) this.presence.set(sessionId, (here = new Map()));
      if (!here.has(p.id)) here.set(p.id, { ...p });
    } else if (here) {
      here.delete(p.id);
      if (here.size === 0) this.presence.delete(sessionId);
    }
    return this.present(sessionId);
  }

  async present(sessionId: string): Promise<ParticipantInfo[]> {
    return [...(this.presence.get(sessionId)?.values() ?? [])].map((p) => ({ ...p }));
  }

  async hashSet(key: string, field: string, value: string | null, ttlMs: number): Promise<void> {
    let h = this.fresh(this.hashes, key);
    if (value === null) {
      if (!h) return;
      h.value.delete(field);
      if (h.value.size === 0) this.hashes.delete(key);
      else h.expiresAt = Date.now() + ttlMs;
      return;
    }
    if (!h) this.hashes.set(key, (h = { value: new Map(), expiresAt: 0 }));
    h.value.set(field, value);
    h.expiresAt = Date.now() + ttlMs;
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    const h = this.fresh(this.hashes, key);
    return h ? Object.fromEntries(h.value) : {};
  }

  async publish(topic: string, event: unknown): Promise<void> {
    const listeners = this.topics.get(topic);
    if (!listeners) return;
    // Serialised like the Redis bus, so a listener sees the same shape and cannot touch the sender's object.
    const text = JSON.stringify(event);
    for (const listener of listeners) {
      queueMicrotask(() => {
        try {
          listener(JSON.parse(text));
        } catch {
          // One failing listener must not starve the others.
        }
      });
    }
  }

  async subscribe(topic: string, listener: (event: unknown) => void): Promise<BusSubscription> {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    const own = (event: unknown) => listener(event);
    set.add(own);
    return {
      close: async () => {
        const s = this.topics.get(topic);
        s?.delete(own);
        if (s?.size === 0) this.topics.delete(topic);
      },
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.topics.clear();
  }

  private record(id: string): SessionRecord | null {
    const r = this.sessions.get(id);
    if (!r) return null;
    const expiresAt = this.expiries.get(id);
    if (expiresAt !== undefined && Date.now() >= expiresAt) {
      this.sessions.delete(id);
      this.expiries.delete(id);
      if (this.codes.get(r.code) === id) this.codes.delete(r.code);
      return null;
    }
    return r;
  }

  private fresh<T>(map: Map<string, Expiring<T>>, key: string): Expiring<T> | null {
    const e = map.get(key);
    if (!e) return null;
    if (Date.now() >= e.expiresAt) {
      map.delete(key);
      return null;
    }
    return e;
  }

  private sweep(): void {
    for (const id of this.expiries.keys()) this.record(id);
    for (const key of this.hashes.keys()) this.fresh(this.hashes, key);
  }
}
