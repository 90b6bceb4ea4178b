/**
 * The replay player for a past session: the log is the recording. Its snapshots and changes
 * (the customer's document as rrweb recorded it, chunked) are reassembled, sanitized like a live
 * mirror's, and handed to rrweb's Replayer, which rebuilds the pages as the customer saw them in
 * a frame without scripts. Nothing is loaded but what the recorded pages show (stylesheets,
 * images, fonts: GETs), and nothing of the log acts on the origin. Each event is placed at the
 * time its command was logged, so the timeline and the command list share one clock.
 *
 * Controls (data-tandem): player-play, player-pause, player-speed, player-timeline (ms from
 * the first command), player-time, player-commands (one <li data-seq> per command,
 * `tc-done` once reached), player-frame (the replay's frame), player-export, player-close.
 */

import { Replayer } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import type { Op } from '../../protocol/commands.js';
import type { Chunk } from '../../protocol/mirror.js';
import { ChunkAssembler } from '../shell/chunks.js';
import { sanitizeEvent, type RecordedEvent } from '../shell/mirror-sanitize.js';
import { $, duration, el } from './http.js';
import { EVENT_FULL } from '../recording.js';

interface Logged {
  seq: number;
  k: string;
  op: Op;
  d: unknown;
  by: string;
  t: number;
}

/** Turns the log's snapshot and dom commands into rrweb events on the log's clock. */
export function recordingOf(log: readonly Logged[]): RecordedEvent[] {
  const snapshots = new ChunkAssembler();
  const changes = new ChunkAssembler();
  const out: RecordedEvent[] = [];
  let sid = '';
  const tags = new Map<number, string>();
  for (const c of log) {
    if (c.op !== 'snapshot' && c.op !== 'dom') continue;
    const chunk = c.d as Chunk;
    const text = (c.op === 'snapshot' ? snapshots : changes).add(chunk);
    if (text === null) continue;
    if (c.op === 'snapshot') sid = chunk.sid;
    else if (chunk.sid !== sid) continue;
    let events: unknown;
    try {
      events = JSON.parse(text);
    } catch {
      continue;
    }
    if (!Array.isArray(events)) continue;
    for (const e of events as RecordedEvent[]) {
      if (!sanitizeEvent(e, tags)) continue;
      e.timestamp = c.t;
      out.push(e);
    }
  }
  return out;
}

export class Player {
  #log: Logged[] = [];
  #t0 = 0;
  #replayer: Replayer | null = null;
  #playing = false;
  #timer = 0;
  #items: HTMLLIElement[] = [];
  readonly #stage = document.querySelector<HTMLElement>('.tc-stage')!;

  constructor() {
    $('player-play').addEventListener('click', () => this.play());
    $('player-pause').addEventListener('click', () => this.pause());
    $('player-timeline').addEventListener('input', (e) => this.seek(Number((e.target as HTMLInputElement).value)));
    $<HTMLSelectElement>('player-speed').addEventListener('change', (e) =>
      this.#replayer?.setConfig({ speed: Number((e.target as HTMLSelectElement).value) || 1 }),
    );
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
    $<HTMLInputElement>('player-timeline').max = String(this.#end());
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
    this.#build();
    this.seek(0);
  }

  #build(): void {
    this.#replayer?.destroy();
    this.#replayer = null;
    this.#stage.replaceChildren();
    const events = recordingOf(this.#log);
    if (events.length < 2) {
      this.#stage.append(el('p', { 'data-tandem': 'player-empty' }, 'Nothing of the page was recorded in this session.'));
      return;
    }
    // The first page sits at the log's start, so the player's clock and the command list agree
    // and a seek to 0 shows it.
    const firstFull = events.findIndex((e) => e.type === EVENT_FULL);
    for (let i = 0; i <= firstFull; i++) events[i].timestamp = this.#t0;
    const r = new Replayer(events as unknown as eventWithTime[], {
      root: this.#stage,
      mouseTail: false,
      showWarning: false,
      triggerFocus: false,
      speed: Number($<HTMLSelectElement>('player-speed').value) || 1,
      insertStyleRules: ['.tandem-overlay:not([data-tandem]) { display: none !important }', 'noscript { display: none !important }'],
      logger: { log: () => undefined, warn: () => undefined } as unknown as Console,
    });
    r.iframe.setAttribute('data-tandem', 'player-frame');
    r.iframe.setAttribute('title', 'Recorded page');
    r.on('resize', (d) => this.#fit(d as { width: number; height: number }));
    r.on('finish', () => {
      // The end was reached: every command with it.
      this.#seekTo = this.#end();
      this.pause();
    });
    this.#replayer = r;
  }

  /** The page is laid out at the customer's viewport and scaled to fit, as operators saw it. */
  #fit(d: { width: number; height: number }): void {
    const r = this.#replayer;
    if (!r || !(d.width > 0 && d.height > 0)) return;
    const scale = Math.min(1, this.#stage.clientWidth / d.width);
    Object.assign(r.wrapper.style, {
      width: `${d.width}px`,
      height: `${d.height}px`,
      transform: `scale(${scale})`,
      transformOrigin: '0 0',
    });
    this.#stage.style.height = `${Math.ceil(d.height * scale)}px`;
  }

  close(): void {
    this.pause();
    $('player').hidden = true;
    this.#replayer?.destroy();
    this.#replayer = null;
    this.#stage.replaceChildren();
  }

  play(): void {
    if (this.#playing || this.#log.length === 0) return;
    if (this.#pos() >= this.#end()) this.seek(0);
    this.#playing = true;
    this.#replayer?.play(this.#pos());
    $<HTMLButtonElement>('player-play').disabled = true;
    $<HTMLButtonElement>('player-pause').disabled = false;
    this.#timer = window.setInterval(() => {
      this.#show();
      if (this.#pos() >= this.#end()) this.pause();
    }, 40);
  }

  pause(): void {
    const was = this.#playing;
    this.#playing = false;
    clearInterval(this.#timer);
    if (was) this.#replayer?.pause();
    $<HTMLButtonElement>('player-play').disabled = false;
    $<HTMLButtonElement>('player-pause').disabled = true;
    if (was) this.#show();
  }

  /** Moves to `ms` after the first command: the page of that moment, in the state of that moment. */
  seek(ms: number): void {
    const to = Math.max(0, Math.min(ms, this.#end()));
    this.#seekTo = to;
    // rrweb applies what lies strictly before the offset: a position takes what is at it too.
    const at = to + 1;
    if (this.#playing) this.#replayer?.play(at);
    else this.#replayer?.pause(at);
    this.#show();
  }

  #seekTo = 0;

  #pos(): number {
    const r = this.#replayer;
    if (!r) return this.#seekTo;
    // The replayer's clock starts at its first event, which sits at the log's first command.
    return Math.max(0, Math.min(this.#end(), this.#playing ? r.getCurrentTime() : this.#seekTo));
  }

  #end(): number {
    return this.#log.length ? this.#log[this.#log.length - 1].t - this.#t0 : 0;
  }

  #show(): void {
    const pos = this.#pos();
    if (this.#playing) this.#seekTo = pos;
    let upTo = -1;
    while (upTo + 1 < this.#log.length && this.#log[upTo + 1].t - this.#t0 <= pos) upTo++;
    $<HTMLInputElement>('player-timeline').value = String(Math.round(pos));
    $('player-time').textContent = `${duration(pos)} / ${duration(this.#end())}`;
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
}

function summary(c: Logged): string {
  const d = c.d as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') return '';
  if (c.op === 'nav') return String(d.url ?? '');
  if (c.op === 'input') return JSON.stringify(d.value ?? '').slice(0, 60);
  if (c.op === 'scroll' || c.op === 'pointer') return `${Math.round(Number(d.x))}, ${Math.round(Number(d.y))}`;
  if (c.op === 'resize') return `${d.w}×${d.h}`;
  if (c.op === 'ink') return `${Array.isArray(d.points) ? d.points.length : 0} points`;
  if (c.op === 'snapshot' || c.op === 'dom') return `${d.i}/${d.n} ${String(d.part ?? '').length} chars`;
  if (c.op === 'act') return String(d.type ?? '');
  return '';
}
