/**
 * The directory on Redis (single server or Cluster). Keys (docs/store.md):
 *   tandem:{id}:session     hash    the session record, each field JSON-encoded
 *   tandem:{id}:presence    hash    participant id → JSON {…ParticipantInfo, at}
 *   tandem:code:<6 digits>  string  session id, while the session is live (SET NX)
 *   {tandem}:live           zset    session id, scored by createdAt
 *   {tandem}:past           zset    session id, scored by endedAt (pruned lazily)
 *   {tandem}:calls          hash    call id → CallRecord JSON (as added)
 *   {tandem}:taken          hash    call id → JSON {takenBy, takenAt} (HSETNX: first wins)
 *   tandem:hash:<key>       hash    small hashes (cookie jars), PEXPIRE ttl
 *   tandem:bus:{<topic>}    channel broadcast topics; sharded on a cluster (SPUBLISH), so each
 *                           topic lives on one node and keeps its order
 */

import type { ParticipantInfo } from '../protocol/messages.js';
import type { BusSubscription, CallRecord, Directory, SessionRecord } from './directory.js';
import { newCode } from './ids.js';
import type { RedisConnection } from './redis-connection.js';
import { CREATE_RECORD_LUA, DELETE_IF_LUA, DROP_CALLS_LUA, END_RECORD_LUA, TAKE_CALL_LUA, UPDATE_RECORD_LUA } from './redis-scripts.js';

const LIVE = '{tandem}:live';
const PAST = '{tandem}:past';
const CALLS = '{tandem}:calls';
const TAKEN = '{tandem}:taken';
const recordKey = (id: string) => `tandem:{${id}}:session`;
const presenceKey = (id: string) => `tandem:{${id}}:presence`;
const codeKey = (code: string) => `tandem:code:${code}`;
const hashKey = (key: string) => `tandem:hash:${key}`;
const busChannel = (topic: string) => `tandem:bus:{${topic}}`;

/** Attempts at a free code before giving up (a million codes: collisions stay rare). */
const CODE_ATTEMPTS = 50;

function encodeFields(fields: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(fields)) if (value !== undefined) out.push(field, JSON.stringify(value));
  return out;
}

function decodeRecord(flat: string[] | Record<string, string>): SessionRecord | null {
  const entries = Array.isArray(flat) ? pairs(flat) : Object.entries(flat);
  if (entries.length === 0) return null;
  const r: Record<string, unknown> = {};
  for (const [field, json] of entries) {
    try {
      r[field] = JSON.parse(json);
    } catch {
      // A field we did not write: leave it out.
    }
  }
  if (typeof r.id !== 'string' || typeof r.code !== 'string') return null;
  if (!Array.isArray(r.people)) r.people = [];
  return r as unknown as SessionRecord;
}

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

export class RedisDirectory implements Directory {
  constructor(private readonly redis: RedisConnection) {}

  private get client() {
    return this.redis.client;
  }

  async createSession(id: string, init: Omit<SessionRecord, 'id' | 'code'>): Promise<SessionRecord> {
    const existing = await this.getSession(id);
    if (existing) return existing;
    let code: string | null = null;
    for (let i = 0; i < CODE_ATTEMPTS && code === null; i++) {
      const candidate = newCode();
      if ((await this.client.set(codeKey(candidate), id, 'NX')) === 'OK') code = candidate;
    }
    if (code === null) throw new Error('no free session code');
    const record: SessionRecord = { ...init, people: [...(init.people ?? [])], id, code };
    const written = await this.redis.script(CREATE_RECORD_LUA, [recordKey(id)], encodeFields({ ...record }));
    if (written === 0) {
      // Someone created it meanwhile: theirs stands, our code goes back.
      await this.redis.script(DELETE_IF_LUA, [codeKey(code)], [id]);
      return (await this.getSession(id))!;
    }
    if (record.status !== 'ended') await this.client.zadd(LIVE, record.createdAt, id);
    return record;
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    return decodeRecord(await this.client.hgetall(recordKey(id)));
  }

  async sessionByCode(code: string): Promise<SessionRecord | null> {
    if (!/^\d{6}$/.test(code)) return null;
    const id = await this.client.get(codeKey(code));
    if (id === null) return null;
    const r = await this.getSession(id);
    return r && r.code === code && r.status !== 'ended' ? r : null;
  }

  async updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id' | 'code'>>): Promise<SessionRecord | null> {
    const { id: _id, code: _code, ...rest } = patch as Partial<SessionRecord>;
    const flat = (await this.redis.script(UPDATE_RECORD_LUA, [recordKey(id)], encodeFields(rest))) as string[];
    return decodeRecord(flat);
  }

  async liveSessions(): Promise<SessionRecord[]> {
    const ids = await this.client.zrevrange(LIVE, 0, -1);
    const records = await Promise.all(ids.map((id) => this.getSession(id)));
    const gone = ids.filter((_, i) => records[i] === null || records[i]!.status === 'ended');
    if (gone.length) await this.client.zrem(LIVE, ...gone);
    return records.filter((r): r is SessionRecord => r !== null && r.status !== 'ended');
  }

  async pastSessions(limit: number): Promise<SessionRecord[]> {
    const out: SessionRecord[] = [];
    const page = Math.max(10, limit);
    for (let start = 0; out.length < limit;) {
      const ids = await this.client.zrevrange(PAST, start, start + page - 1);
      if (ids.length === 0) break;
      const records = await Promise.all(ids.map((id) => this.getSession(id)));
      const gone = ids.filter((_, i) => records[i] === null);
      // Records expire on their own; their index entries are pruned when met.
      if (gone.length) await this.client.zrem(PAST, ...gone);
      start += ids.length - gone.length;
      for (const r of records) if (r && r.status === 'ended' && out.length < limit) out.push(r);
    }
    return out;
  }

  async endSession(id: string, retentionMs: number): Promise<void> {
    const flat = (await this.redis.script(
      END_RECORD_LUA,
      [recordKey(id), presenceKey(id)],
      [Math.max(1, Math.round(retentionMs)), JSON.stringify(Date.now())],
    )) as string[];
    const r = decodeRecord(flat);
    if (!r) return;
    await Promise.all([
      this.client.zrem(LIVE, id),
      this.client.zadd(PAST, r.endedAt ?? Date.now(), id),
      this.redis.script(DELETE_IF_LUA, [codeKey(r.code)], [id]),
      this.redis.script(DROP_CALLS_LUA, [CALLS, TAKEN], [id]),
    ]);
  }

  async addCall(call: CallRecord): Promise<void> {
    const { takenBy, takenAt, ...waiting } = call;
    await this.client.hset(CALLS, call.id, JSON.stringify(waiting));
    if (takenBy !== undefined) await this.client.hsetnx(TAKEN, call.id, JSON.stringify({ takenBy, takenAt }));
  }

  async takeCall(callId: string, operator: string): Promise<CallRecord | null> {
    const taken = { takenBy: operator, takenAt: Date.now() };
    const json = (await this.redis.script(TAKE_CALL_LUA, [CALLS, TAKEN], [callId, JSON.stringify(taken)])) as string | null;
    return json ? { ...(JSON.parse(json) as CallRecord), ...taken } : null;
  }

  async waitingCalls(): Promise<CallRecord[]> {
    const replies = await this.client.multi().hgetall(CALLS).hkeys(TAKEN).exec();
    if (!replies) throw new Error('waitingCalls transaction was aborted');
    for (const [err] of replies) if (err) throw err;
    const all = replies[0][1] as Record<string, string>;
    const taken = new Set(replies[1][1] as string[]);
    return Object.entries(all)
      .filter(([id]) => !taken.has(id))
      .map(([, json]) => JSON.parse(json) as CallRecord)
      .sort((a, b) => a.requestedAt - b.requestedAt);
  }

  async setPresent(sessionId: string, p: ParticipantInfo, present: boolean): Promise<ParticipantInfo[]> {
    if (present) await this.client.hsetnx(presenceKey(sessionId), p.id, JSON.stringify({ ...p, at: Date.now() }));
    else await this.client.hdel(presenceKey(sessionId), p.id);
    return this.present(sessionId);
  }

  async present(sessionId: string): Promise<ParticipantInfo[]> {
    const all = await this.client.hvals(presenceKey(sessionId));
    return all
      .map((json) => JSON.parse(json) as ParticipantInfo & { at: number })
      .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
      .map(({ at: _at, ...p }) => p);
  }

  async hashSet(key: string, field: string, value: string | null, ttlMs: number): Promise<void> {
    const k = hashKey(key);
    const tx = this.client.multi();
    if (value === null) tx.hdel(k, field);
    else tx.hset(k, field, value);
    tx.pexpire(k, Math.max(1, Math.round(ttlMs)));
    const replies = await tx.exec();
    for (const [err] of replies ?? []) if (err) throw err;
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return { ...(await this.client.hgetall(hashKey(key))) };
  }

  async publish(topic: string, event: unknown): Promise<void> {
    const channel = busChannel(topic);
    const message = JSON.stringify(event);
    // Plain PUBLISH on a cluster goes to any node and reaches the others by the cluster bus, in
    // no guaranteed order; a sharded channel is published and heard on one node, in order.
    if (this.redis.publishVerb === 'SPUBLISH') await this.client.spublish(channel, message);
    else await this.client.publish(channel, message);
  }

  async subscribe(topic: string, listener: (event: unknown) => void): Promise<BusSubscription> {
    const stop = await this.redis.listen(busChannel(topic), (message) => {
      let event: unknown;
      try {
        event = JSON.parse(message.toString());
      } catch {
        return;
      }
      listener(event);
    });
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        await stop();
      },
    };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** The connection belongs to the store, which closes it. */
  async close(): Promise<void> {}
}
