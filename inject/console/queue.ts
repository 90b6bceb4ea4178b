/**
 * The live queue: waiting calls and live sessions, fed by Server-Sent Events from
 * /__tandem/api/calls/events (a snapshot on every connect, then `call`, `taken`, `session`,
 * `ended`). One Respond button per waiting call; while none waits, one disabled Respond.
 */

import { $, el, request, sessionUrl } from './http.js';
import type { Ring } from './ring.js';

export interface CallInfo {
  id: string;
  sessionId: string;
  kind: 'call' | 'invite';
  code: string;
  requestedAt: number;
  requestedBy: string;
  url?: string;
}

export interface SessionInfo {
  id: string;
  code: string;
  status: 'waiting' | 'active' | 'ended';
  createdAt: number;
  startedAt?: number;
  people: string[];
  url?: string;
  mine?: boolean;
}

type Event =
  | { type: 'snapshot'; operator: string; calls: CallInfo[]; sessions: SessionInfo[] }
  | { type: 'call'; call: CallInfo }
  | { type: 'taken'; call: string; session: string; by: string }
  | { type: 'session'; session: SessionInfo }
  | { type: 'ended'; session: string };

/** How long a call taken by someone else stays in view, marked taken, before it goes. */
const TAKEN_SHOWN_MS = 2500;

export class Queue {
  readonly calls = new Map<string, CallInfo & { takenBy?: string }>();
  readonly sessions = new Map<string, SessionInfo>();
  #source: EventSource | null = null;
  #me = '';
  #busy = false;

  constructor(
    private readonly ring: Ring,
    private readonly onEnded: () => void,
    private readonly onLoggedOut: () => void,
  ) {}

  start(me: string): void {
    this.#me = me;
    this.stop();
    const status = $('queue-status');
    status.textContent = 'connecting';
    const source = new EventSource('/__tandem/api/calls/events');
    this.#source = source;
    const on = (type: Event['type']) =>
      source.addEventListener(type, (e) => {
        try {
          this.#apply(JSON.parse((e as MessageEvent<string>).data) as Event);
        } catch {
          /* a malformed event is skipped */
        }
      });
    for (const type of ['snapshot', 'call', 'taken', 'session', 'ended'] as const) on(type);
    source.addEventListener('open', () => (status.textContent = 'live'));
    source.addEventListener('error', () => {
      status.textContent = 'reconnecting';
      // A closed source after an error is a refusal (the login expired), not a network blip.
      if (source.readyState === EventSource.CLOSED)
        void request('GET', '/__tandem/api/me').then((r) => (r.status === 401 ? this.onLoggedOut() : undefined));
    });
  }

  stop(): void {
    this.#source?.close();
    this.#source = null;
  }

  #apply(e: Event): void {
    switch (e.type) {
      case 'snapshot':
        this.calls.clear();
        this.sessions.clear();
        for (const c of e.calls) this.calls.set(c.id, c);
        for (const s of e.sessions) this.sessions.set(s.id, s);
        $('queue-status').textContent = 'live';
        break;
      case 'call':
        if (!this.calls.has(e.call.id)) {
          this.calls.set(e.call.id, e.call);
          if (e.call.requestedBy !== this.#me) this.ring.ring();
        }
        break;
      case 'taken': {
        const c = this.calls.get(e.call);
        if (c) {
          c.takenBy = e.by;
          setTimeout(() => {
            this.calls.delete(e.call);
            this.render();
          }, TAKEN_SHOWN_MS);
        }
        break;
      }
      case 'session': {
        const mine = e.session.people.includes(this.#me) || this.sessions.get(e.session.id)?.mine === true;
        this.sessions.set(e.session.id, { ...e.session, mine });
        break;
      }
      case 'ended':
        this.sessions.delete(e.session);
        for (const [id, c] of this.calls) if (c.sessionId === e.session) this.calls.delete(id);
        this.onEnded();
        break;
    }
    this.render();
  }

  render(): void {
    const list = $<HTMLUListElement>('queue');
    const waiting = [...this.calls.values()].sort((a, b) => a.requestedAt - b.requestedAt);
    const items: HTMLElement[] = waiting.map((c) => {
      const label = c.kind === 'invite' ? `Invite from ${c.requestedBy}` : `${c.requestedBy} is calling`;
      const button = el('button', { type: 'button', 'data-tandem': 'respond', 'data-call': c.id, 'data-session': c.sessionId }, 'Respond');
      if (c.takenBy || this.#busy) button.setAttribute('disabled', '');
      button.addEventListener('click', () => void this.respond(c));
      const li = el(
        'li',
        { class: c.takenBy ? 'tc-call tc-taken' : 'tc-call tc-waiting', 'data-call': c.id, 'data-session': c.sessionId },
        el('span', { class: 'tc-who' }, label),
        el('span', { class: 'tc-code' }, c.code),
        el('span', { class: 'tc-where' }, c.url ?? ''),
        el('span', { class: 'tc-state', 'data-tandem': 'call-state' }, c.takenBy ? `taken by ${c.takenBy}` : 'waiting'),
        button,
      );
      return li;
    });
    if (items.length === 0) {
      items.push(
        el(
          'li',
          { class: 'tc-empty' },
          el('span', {}, 'No call waiting'),
          el('button', { type: 'button', 'data-tandem': 'respond', disabled: '' }, 'Respond'),
        ),
      );
    }
    list.replaceChildren(...items);
    const open = waiting.filter((c) => !c.takenBy).length;
    $('queue-count').textContent = String(open);
    document.title = open > 0 ? `(${open}) Tandem console` : 'Tandem console';

    const live = [...this.sessions.values()].sort((a, b) => b.createdAt - a.createdAt);
    const row = (s: SessionInfo) =>
      el(
        'li',
        { 'data-session': s.id, class: `tc-session tc-${s.status}` },
        el('span', { class: 'tc-who' }, s.people.join(', ')),
        el('span', { class: 'tc-code' }, s.code),
        el('span', { class: 'tc-state' }, s.status),
        el('a', { href: sessionUrl(s.id), 'data-tandem': 'open-session' }, s.mine ? 'Open' : 'Join'),
      );
    $('my-sessions').replaceChildren(...live.filter((s) => s.mine).map(row));
    $('live-sessions').replaceChildren(...live.map(row));
  }

  /** Respond: take the call (the first operator wins), then go to the session URL. */
  async respond(c: CallInfo): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    this.render();
    const error = $('respond-error');
    error.textContent = '';
    const r = await request<{ id: string }>('POST', `/__tandem/api/sessions/${encodeURIComponent(c.sessionId)}/join`);
    if (r.ok) {
      location.assign(sessionUrl(c.sessionId));
      return;
    }
    this.#busy = false;
    if (r.status === 409 || r.status === 410 || r.status === 404) {
      const known = this.calls.get(c.id);
      if (known && !known.takenBy) known.takenBy = 'another operator';
      error.textContent = r.status === 409 ? 'Another operator responded first.' : 'That session has ended.';
    } else if (r.status === 401) {
      this.onLoggedOut();
    } else {
      error.textContent = r.body.message ?? `Respond failed (${r.status}).`;
    }
    this.render();
  }
}
