/**
 * The call flow: a customer's call creates a session and rings every console; the first
 * operator to respond takes it; others may join deliberately (by code, by the session URL, or
 * with `force`); an operator may invite another; the customer or an operator ends it for all.
 * Every step that changes the queue is broadcast on the directory bus (topic `calls`), so
 * consoles on every replica see it at once, and queued as a webhook by this replica alone.
 */

import { createHash } from 'node:crypto';
import type { App } from '../app.js';
import { TandemError } from '../errors.js';
import { newId } from '../identity/tokens.js';
import type { CallRecord, SessionRecord } from '../../store/directory.js';
import type { Webhooks, WebhookType } from './webhooks.js';
import { membersKey, parseMembers, type Member } from '../identity/standing.js';
import { presenceTopic, type PresenceEvent } from '../hub/fanout.js';

export type { Member } from '../identity/standing.js';

export const CALLS_TOPIC = 'calls';

/** What the `calls` topic carries to the consoles. */
export type CallsEvent =
  | { type: 'call'; call: CallRecord }
  | { type: 'taken'; call: string; session: string; by: string }
  | { type: 'session'; session: SessionRecord }
  | { type: 'ended'; session: string };

export interface Joined {
  session: SessionRecord;
  participant: string;
  token: string;
}

/** An operator is one participant per session, so reloading the session URL keeps their pointer and presence. */
export function operatorParticipant(sessionId: string, operator: string): string {
  return 'o-' + createHash('sha256').update(`${sessionId}\0${operator}`).digest('base64url').slice(0, 16);
}

export class Calls {
  constructor(
    readonly app: App,
    readonly webhooks: Webhooks | null,
  ) {}

  /** The session lifecycle: one info line in the log (ops), and the webhook when one is set. */
  #event(type: WebhookType, session: string, extra: Record<string, unknown>): void {
    this.app.log.info({ event: type, session, ...extra }, type);
    this.webhooks?.emit(type, session, extra);
  }

  get #dir() {
    return this.app.store.directory;
  }

  /** Long enough for any live session; refreshed on every join. */
  get #memberTtl(): number {
    return this.app.config.retentionMs + 7 * 86_400_000;
  }

  async #publish(event: CallsEvent): Promise<void> {
    await this.#dir.publish(CALLS_TOPIC, event);
  }

  /** A customer's call: the log, the session record, the call in the queue, the ring. */
  async create(customer: { name: string; url?: string }): Promise<Joined & { call: CallRecord }> {
    const id = newId();
    const now = Date.now();
    await this.app.store.log.create(id);
    const session = await this.#dir.createSession(id, {
      status: 'waiting',
      createdAt: now,
      people: [customer.name],
      ...(customer.url ? { url: customer.url } : {}),
    });
    const call: CallRecord = {
      id: newId(),
      sessionId: id,
      kind: 'call',
      code: session.code,
      requestedAt: now,
      requestedBy: customer.name,
      ...(customer.url ? { url: customer.url } : {}),
    };
    await this.#dir.addCall(call);
    await this.#publish({ type: 'call', call });
    const participant = 'c-' + newId(12);
    this.#event('call.requested', id, { code: session.code, customer: customer.name, url: customer.url ?? null });
    this.#event('participant.joined', id, { participant, name: customer.name, role: 'customer' });
    return {
      session,
      participant,
      call,
      token: this.app.tokens.hub(id, participant, 'customer', customer.name, this.app.config.tokenTtlMs),
    };
  }

  /** The session, or the error an API caller should get (404 unknown, 410 ended). */
  async live(sessionId: string): Promise<SessionRecord> {
    const session = await this.#dir.getSession(sessionId);
    if (!session) throw new TandemError('TANDEM_ERR_UNKNOWN_SESSION', `no session ${sessionId}`);
    if (session.status === 'ended') throw new TandemError('TANDEM_ERR_SESSION_ENDED');
    return session;
  }

  async members(sessionId: string): Promise<Map<string, Member>> {
    return parseMembers(await this.#dir.hashGetAll(membersKey(sessionId)));
  }

  async isMember(sessionId: string, operator: string): Promise<boolean> {
    return (await this.members(sessionId)).has(operator);
  }

  /**
   * Respond / join. A waiting call of the session is taken atomically: the first operator gets
   * it, the others get TANDEM_ERR_CALL_TAKEN. With nothing waiting, only a member (reopening
   * the session) or a deliberate join (`force`: by code or session URL) gets in.
   */
  async join(sessionId: string, operator: string, opts: { force?: boolean } = {}): Promise<Joined> {
    let session = await this.live(sessionId);
    const members = await this.members(sessionId);
    const member = members.has(operator) && members.get(operator)!.leftAt === undefined;
    const waiting = (await this.#dir.waitingCalls()).filter(
      (c) => c.sessionId === sessionId && !(c.kind === 'invite' && c.requestedBy === operator),
    );
    let took: CallRecord | null = null;
    if (!member) {
      for (const call of waiting) {
        took = await this.#dir.takeCall(call.id, operator);
        if (took) break;
      }
      if (!took && !opts.force) throw new TandemError('TANDEM_ERR_CALL_TAKEN', 'another operator responded first');
    }
    if (took) await this.#publish({ type: 'taken', call: took.id, session: sessionId, by: operator });

    const participant = operatorParticipant(sessionId, operator);
    const previous = members.get(operator);
    await this.#dir.hashSet(
      membersKey(sessionId),
      operator,
      JSON.stringify({ participant, joinedAt: previous?.joinedAt ?? Date.now() } satisfies Member),
      this.#memberTtl,
    );
    const patch: Partial<SessionRecord> = {};
    if (!session.people.includes(operator)) patch.people = [...session.people, operator];
    if (session.status === 'waiting') {
      patch.status = 'active';
      patch.startedAt = Date.now();
    }
    if (Object.keys(patch).length > 0) {
      session = (await this.#dir.updateSession(sessionId, patch)) ?? session;
      await this.#publish({ type: 'session', session });
    }
    if (patch.status === 'active') this.#event('session.started', sessionId, { code: session.code, operator });
    if (!member)
      this.#event('participant.joined', sessionId, { participant, name: operator, role: 'operator', via: took ? took.kind : 'join' });
    return { session, participant, token: this.app.tokens.hub(sessionId, participant, 'operator', operator, this.app.config.tokenTtlMs) };
  }

  async joinByCode(code: string, operator: string): Promise<Joined> {
    const session = /^\d{6}$/.test(code) ? await this.#dir.sessionByCode(code) : null;
    if (!session || session.status === 'ended') throw new TandemError('TANDEM_ERR_UNKNOWN_SESSION', 'no live session has that code');
    return this.join(session.id, operator, { force: true });
  }

  /** A conference request: another operator who responds joins the same session. */
  async invite(sessionId: string, operator: string): Promise<CallRecord> {
    const session = await this.live(sessionId);
    const call: CallRecord = {
      id: newId(),
      sessionId,
      kind: 'invite',
      code: session.code,
      requestedAt: Date.now(),
      requestedBy: operator,
      ...(session.url ? { url: session.url } : {}),
    };
    await this.#dir.addCall(call);
    await this.#publish({ type: 'call', call });
    return call;
  }

  async leave(sessionId: string, operator: string, participant: string): Promise<void> {
    const members = await this.members(sessionId);
    const m = members.get(operator);
    if (m) await this.#dir.hashSet(membersKey(sessionId), operator, JSON.stringify({ ...m, leftAt: Date.now() }), this.#memberTtl);
    this.#event('participant.left', sessionId, { participant, name: operator, role: 'operator' });
    // Their token no longer stands; the hub ends the sockets still open in their other tabs.
    await this.#dir.publish(presenceTopic(sessionId), { left: operatorParticipant(sessionId, operator) } satisfies PresenceEvent);
  }

  /** Ends the session for everyone: the directory first (so the API refuses its tokens), then the log (the hub tells every participant). */
  async end(sessionId: string, by: { name: string; role: 'customer' | 'operator' }): Promise<SessionRecord> {
    const session = await this.live(sessionId);
    const retention = this.app.config.retentionMs;
    await this.#dir.endSession(sessionId, retention);
    await this.app.store.log.end(sessionId, retention);
    await this.#publish({ type: 'ended', session: sessionId });
    const endedAt = Date.now();
    this.#event('session.ended', sessionId, {
      code: session.code,
      by: by.name,
      role: by.role,
      durationMs: endedAt - (session.startedAt ?? session.createdAt),
    });
    return { ...session, status: 'ended', endedAt };
  }

  /** For the console: sessions waiting and active (with whether `operator` is in each) and the waiting calls. */
  async overview(operator: string): Promise<{ sessions: (SessionRecord & { mine: boolean })[]; calls: CallRecord[] }> {
    const [sessions, calls] = await Promise.all([this.#dir.liveSessions(), this.#dir.waitingCalls()]);
    const shown = sessions.slice(0, 200);
    const mine = await Promise.all(shown.map(async (s) => (await this.members(s.id)).get(operator)));
    return { sessions: shown.map((s, i) => ({ ...s, mine: mine[i] !== undefined && mine[i]!.leftAt === undefined })), calls };
  }

  async past(limit = 100): Promise<(SessionRecord & { durationMs: number | null })[]> {
    const sessions = await this.#dir.pastSessions(limit);
    return sessions.map((s) => ({ ...s, durationMs: s.endedAt !== undefined ? s.endedAt - (s.startedAt ?? s.createdAt) : null }));
  }
}
