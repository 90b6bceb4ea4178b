/**
 * The replay player for a past session: the recorded pages load in an iframe through the
 * gateway (so they get the sharing hooks), and the player stands in for the shell towards those
 * hooks: it answers their hello and hands them the recorded scrolls, field values, pointers and
 * ink in time order, exactly as the shell hands live commands. Clicks and submits are shown in
 * the list but never replayed: a replay must not act on the origin. Only the top frame is replayed.
 *
 * Controls (data-tandem): player-play, player-pause, player-speed, player-timeline (ms from
 * the first command), player-time, player-commands (one <li data-seq> per command,
 * `tc-done` once applied), player-frame (the iframe), player-export, player-close.
 */

import type { ToHooks } from '../hooks/bridge.js';
import type { Op } from '../../protocol/commands.js';
import { $, duration, el } from './http.js';

interface Logged {
  seq: number;
  k: string;
  op: Op;
  d: unknown;
  by: string;
  t: number;
}

/** What the hooks can show of a recording without acting on the page. */
const REPLAYED = new Set<Op>(['scroll', 'input', 'pointer', 'ink', 'ink-clear', 'focus']);
/** Longest the clock waits for a recorded page to load before it moves on without it. */
const PAGE_WAIT_MS = 5000;
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

const isTop = (k: string) => k === 'top' || (k.startsWith('top/') && !/^top\/\d+(\/|$)/.test(k));

export class Player {
  #log: Logged[] = [];
  #t0 = 0;
  #pos = 0;
  /** Index of the last command applied to the current page (-1: none). */
  #applied = -1;
  /** Index of the nav whose page the iframe shows (or is loading). */
  #page = -2;
  #port: MessagePort | null = null;
  #playing = false;
  #timer = 0;
  #last = 0;
  #items: HTMLLIElement[] = [];
  #loadStarted = 0;
  readonly #frame = $<HTMLIFrameElement>('player-frame');

  constructor() {
    addEventListener('message', (e) => {
      if (e.source !== this.#frame.contentWindow || !e.data || (e.data as { tandem?: string }).tandem !== 'tandem-hello' || !e.ports[0])
        return;
      this.#port = e.ports[0];
      this.#port.start();
      const people = [...new Set(this.#log.map((c) => c.by))].map((id, i) => ({
        id,
        name: id.startsWith('c-') ? 'customer' : 'operator',
        role: (id.startsWith('c-') ? 'customer' : 'operator') as 'customer' | 'operator',
        color: COLORS[i % COLORS.length],
      }));
      this.#post({
        t: 'setup',
        me: 'tandem-player',
        role: 'operator',
        color: '#64748b',
        allowed: false,
        drawing: false,
        participants: people,
      });
      this.#applied = this.#page;
      this.#catchUp();
    });
    $('player-play').addEventListener('click', () => this.play());
    $('player-pause').addEventListener('click', () => this.pause());
    $('player-timeline').addEventListener('input', (e) => this.seek(Number((e.target as HTMLInputElement).value)));
    $('player-close').addEventListener('click', () => this.close());
  }

  async open(sessionId: string, title: string): Promise<void> {
    this.pause();
    const res = await fetch(`/__tandem/api/sessions/${encodeURIComponent(sessionId)}/log`, { credentials: 'same-origin' });
    const section = $('player');
    section.hidden = false;
    $('player-title').textContent = title;
    $<HTMLAnchorElement>('player-export').href = `/__tandem/api/sessions/${encodeURIComponent(sessionId)}/log`;
    if (!res.ok) {
      this.#log = [];
      $('player-commands').replaceChildren(el('li', {}, `The log could not be read (${res.status}).`));
      return;
    }
    const text = await res.text();
    this.#log = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Logged)
      .sort((a, b) => a.seq - b.seq);
    this.#t0 = this.#log[0]?.t ?? 0;
    const end = this.#log.length ? this.#log[this.#log.length - 1].t - this.#t0 : 0;
    const timeline = $<HTMLInputElement>('player-timeline');
    timeline.max = String(end);
    this.#items = this.#log.map((c) =>
      el(
        'li',
        { 'data-seq': String(c.seq), 'data-op': c.op, 'data-k': c.k },
        el('time', {}, duration(c.t - this.#t0)),
        ` ${c.op} `,
        el('code', {}, c.k),
        ` ${summary(c)}`,
      ),
    );
    $('player-commands').replaceChildren(...this.#items);
    this.#page = -2;
    this.seek(0);
  }

  close(): void {
    this.pause();
    $('player').hidden = true;
    this.#frame.src = 'about:blank';
    this.#port = null;
    this.#page = -2;
  }

  play(): void {
    if (this.#playing || this.#log.length === 0) return;
    if (this.#pos >= this.#end()) this.seek(0);
    this.#playing = true;
    this.#last = performance.now();
    $<HTMLButtonElement>('player-play').disabled = true;
    $<HTMLButtonElement>('player-pause').disabled = false;
    this.#timer = window.setInterval(() => {
      const now = performance.now();
      const speed = Number($<HTMLSelectElement>('player-speed').value) || 1;
      // The clock waits while a recorded page loads (up to a limit), so at any speed every
      // page is shown and gets its commands.
      const loading = this.#page >= 0 && !this.#port && now - this.#loadStarted < PAGE_WAIT_MS;
      // Nor does one tick jump over a page: it stops at the next recorded navigation.
      if (!loading) this.#pos = Math.min(this.#end(), this.#nextNav(), this.#pos + (now - this.#last) * speed);
      this.#last = now;
      this.#show();
      if (this.#pos >= this.#end()) this.pause();
    }, 40);
  }

  pause(): void {
    this.#playing = false;
    clearInterval(this.#timer);
    $<HTMLButtonElement>('player-play').disabled = false;
    $<HTMLButtonElement>('player-pause').disabled = true;
  }

  /** Moves to `ms` after the first command: the page of that moment, in the state of that moment. */
  seek(ms: number): void {
    const back = ms < this.#pos;
    this.#pos = Math.max(0, Math.min(ms, this.#end()));
    if (back) this.#applied = Math.min(this.#applied, this.#page);
    this.#show(back);
  }

  /** The time of the first top-frame navigation after the page shown (the end when none). */
  #nextNav(): number {
    for (let i = Math.max(0, this.#page + 1); i < this.#log.length; i++) {
      const c = this.#log[i];
      if (c.op === 'nav' && c.k === 'top') return c.t - this.#t0;
    }
    return this.#end();
  }

  #end(): number {
    return this.#log.length ? this.#log[this.#log.length - 1].t - this.#t0 : 0;
  }

  /** The last index whose time is at or before the position. */
  #upTo(): number {
    let i = -1;
    while (i + 1 < this.#log.length && this.#log[i + 1].t - this.#t0 <= this.#pos) i++;
    return i;
  }

  #show(restart = false): void {
    const upTo = this.#upTo();
    let nav = -1;
    for (let i = 0; i <= upTo; i++) if (this.#log[i].op === 'nav' && this.#log[i].k === 'top') nav = i;
    if (nav < 0 && upTo < 0 && this.#log.length > 0 && this.#log[0].op === 'nav') nav = 0;
    if (nav !== this.#page) {
      this.#page = nav;
      this.#port = null;
      this.#applied = nav;
      const url = nav >= 0 ? (this.#log[nav].d as { url?: string }).url : undefined;
      this.#loadStarted = performance.now();
      this.#frame.src = typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : 'about:blank';
    } else if (restart && this.#port) {
      this.#post({ t: 'cmd', k: 'ink', op: 'ink-clear', d: {}, by: 'tandem-player' });
    }
    this.#catchUp();
    $<HTMLInputElement>('player-timeline').value = String(Math.round(this.#pos));
    $('player-time').textContent = `${duration(this.#pos)} / ${duration(this.#end())}`;
    this.#items.forEach((li, i) => li.classList.toggle('tc-done', i <= upTo));
    this.#scrollListTo(this.#items[upTo]);
  }

  /**
   * Keeps the current command visible by scrolling the list alone: scrollIntoView would also
   * scroll the console page every tick while playing, moving the controls under the pointer.
   */
  #scrollListTo(li: HTMLElement | undefined): void {
    if (!li) return;
    const list = $('player-commands');
    const top = li.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + li.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + li.offsetHeight - list.clientHeight;
  }

  /** Hands the current page every recorded command after its nav, up to the position. */
  #catchUp(): void {
    if (!this.#port) return;
    const upTo = this.#upTo();
    for (let i = this.#applied + 1; i <= upTo; i++) {
      const c = this.#log[i];
      if (c.op === 'resize' && c.k.startsWith('top')) this.#resize(c.d as { w: number; h: number });
      if (!REPLAYED.has(c.op) || !isTop(c.k)) continue;
      const rel = c.op === 'ink-clear' && c.k === 'top/ink' ? 'ink' : c.k.slice('top/'.length);
      if (rel) this.#post({ t: 'cmd', k: rel, op: c.op, d: c.d, by: c.by });
    }
    this.#applied = Math.max(this.#applied, upTo);
  }

  /** The page is laid out at the customer's viewport and scaled to fit, as operators see it live. */
  #resize(d: { w: number; h: number }): void {
    if (!(d.w > 0 && d.h > 0)) return;
    const box = this.#frame.parentElement!;
    const scale = Math.min(1, box.clientWidth / d.w);
    Object.assign(this.#frame.style, { width: `${d.w}px`, height: `${d.h}px`, transform: `scale(${scale})`, transformOrigin: '0 0' });
    box.style.height = `${Math.ceil(d.h * scale)}px`;
  }

  #post(m: ToHooks): void {
    try {
      this.#port?.postMessage(m);
    } catch {
      /* the page is gone */
    }
  }
}

function summary(c: Logged): string {
  const d = c.d as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') return '';
  if (c.op === 'nav') return String(d.url ?? '');
  if (c.op === 'input') return JSON.stringify(d.value ?? '').slice(0, 60);
  if (c.op === 'scroll' || c.op === 'pointer') return `${Math.round(Number(d.x))}, ${Math.round(Number(d.y))}`;
  if (c.op === 'resize') return `${d.w}×${d.h}`;
  if (c.op === 'ink') return `${Array.isArray(d.points) ? d.points.length : 0} points`;
  return '';
}
