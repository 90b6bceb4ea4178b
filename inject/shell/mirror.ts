/**
 * The operator's view of the customer's page: rrweb's Replayer rebuilds the recorded document
 * in a frame sandboxed without scripts (its own `allow-same-origin` only, so the shell can reach
 * in), sized to the customer's viewport and scaled to fit the stage. Snapshots and changes come
 * from the log in `seq` order; each is sanitized (mirror-sanitize.ts) before rrweb sees it.
 * Events are applied as they arrive (rrweb's live mode with a baseline past every timestamp),
 * so the customer's and the operator's clocks never matter.
 *
 * The frame carries `data-tandem="content"`. Pointers and ink are drawn in its document by the
 * same overlay the customer's page uses; every rebuild of the document redraws them.
 */

import { Replayer } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import type { Chunk } from '../../protocol/mirror.js';
import type { Op } from '../../protocol/commands.js';
import type { PageSetup } from '../hooks/bridge.js';
import { makeCtx, native, type Ctx } from '../hooks/context.js';
import { Mask } from '../hooks/mask.js';
import { Overlay } from '../hooks/overlay.js';
import { ChunkAssembler } from './chunks.js';
import { sanitizeEvent, type RecordedEvent, type SerializedNode } from './mirror-sanitize.js';
import { MirrorInput } from './mirror-input.js';
import type { ResourceUrls } from './resource-urls.js';
import { EVENT_CUSTOM, EVENT_FULL, EVENT_INCREMENTAL, SELECT_EVENT, SOURCE_INPUT, SOURCE_SCROLL, SOURCE_SELECTION } from '../recording.js';

/** While the operator types in a field, its echoed values wait this long after the last key. */
const TYPING_QUIET_MS = 400;
/** Marks of masked fields, listeners in new child frames and the title follow changes this late at most. */
const AFTER_CHANGES_MS = 50;
/** A log replay that has not ended by then is applied as it stands. */
const CATCH_UP_MAX_MS = 15_000;

export interface MirrorHost {
  /** Sends a command to the hub (keys relative to the page, `top/` is added). */
  send(k: string, op: Op, d: unknown): void;
  allowed(): boolean;
  setup(): PageSetup | null;
  /** The mirrored page's title or icon changed. */
  meta(title: string, icon: string): void;
  report(message: string): void;
}

const STYLE_RULES = [
  // Tandem's own overlay in the customer's page arrives as empty placeholders.
  '.tandem-overlay:not([data-tandem]) { display: none !important }',
  '[data-tandem-masked] { outline: 2px dashed #b45309 !important; outline-offset: -2px }',
  '[data-tandem-focus] { outline: 2px solid #2563eb !important; outline-offset: 1px }',
  'noscript { display: none !important }',
];

/**
 * A recording marks the options selected at that moment, and no others. A drop-down with none
 * selected (a page's `selectedIndex = -1`, as Quill's toolbar does) would show its first option
 * once rebuilt: it shows none, as on the customer's page.
 */
function showUnselected(doc: Document): void {
  for (const s of Array.from(doc.querySelectorAll('select:not([multiple])'))) {
    const select = s as HTMLSelectElement;
    if (!Array.from(select.options).some((o) => o.hasAttribute('selected'))) select.selectedIndex = -1;
  }
}

export class Mirror {
  readonly #snapshots = new ChunkAssembler();
  readonly #changes = new ChunkAssembler();
  readonly #mask: Mask;
  /** Element tags by node id, for the sanitizer. */
  readonly #tags = new Map<number, string>();
  #replayer: Replayer | null = null;
  #sid = '';
  #overlay: Overlay | null = null;
  /** One per document of the mirror (child frames have their own). */
  #inputs: MirrorInput[] = [];
  /** Documents already listened to, by their root element: a document rrweb opens anew gets a new one. */
  #instrumented = new WeakSet<Element>();
  #viewport: { w: number; h: number } | null = null;
  readonly #ink = new Map<string, { points: number[][]; color: string }>();
  readonly #pointers = new Map<string, { x: number; y: number }>();
  #drawing = false;
  /** An input event for the field the operator is typing in, held until they pause. */
  #held: { id: number; event: RecordedEvent; timer: number } | null = null;
  /** Where the customer's page last put each scrolled node, to tell our echo from the operator. */
  readonly #remoteScroll = new Map<number, { x: number; y: number }>();

  constructor(
    private readonly stage: HTMLElement,
    private readonly host: MirrorHost,
    mask: string,
    private readonly urls?: ResourceUrls,
  ) {
    this.#mask = new Mask(mask);
    addEventListener('resize', () => this.#fit());
  }

  get frame(): HTMLIFrameElement | null {
    return this.#replayer?.iframe ?? null;
  }

  get sid(): string {
    return this.#sid;
  }

  // ---- the recording ----------------------------------------------------------------------------

  snapshot(c: Chunk): void {
    const text = this.#snapshots.add(c);
    if (text === null) return;
    const events = this.#parse(text);
    if (!events) return;
    this.#sid = c.sid;
    this.#changes.reset();
    this.#dropHeld();
    this.#remoteScroll.clear();
    const full = events.find((e) => e.type === EVENT_FULL);
    if (full) this.#readIcon((full.data as { node: SerializedNode }).node);
    const replayer = this.#ensureReplayer();
    // The events array rrweb keeps for seeking is of no use live: let the old page go.
    const ctx = (replayer.service.state.context as { events: unknown[] }).events;
    if (Array.isArray(ctx)) ctx.length = 0;
    this.#add(events);
  }

  changes(c: Chunk): void {
    const text = this.#changes.add(c);
    if (text === null || c.sid !== this.#sid || !this.#replayer) return;
    const events = this.#parse(text);
    if (events) this.#add(events);
  }

  #parse(text: string): RecordedEvent[] | null {
    let events: unknown;
    try {
      events = JSON.parse(text);
    } catch {
      this.host.report('mirror: a recorded batch is not JSON');
      return null;
    }
    if (!Array.isArray(events)) return null;
    return (events as RecordedEvent[]).filter((e) => sanitizeEvent(e, this.#tags, this.urls));
  }

  // ---- catching up from the log ----------------------------------------------------------------

  /** Batches held while the log is replayed to this operator; null when live. */
  #catchUp: RecordedEvent[][] | null = null;
  #catchUpTimer = 0;

  /**
   * The log is about to be replayed (a join, a reset): the changes it brings wait and are
   * applied in one go when it ends, so the browser lays the page out once more, not once per
   * logged batch (a late joiner's log may hold thousands; on a 25k-element page each layout
   * takes 20 ms). A replay that never ends is applied after CATCH_UP_MAX_MS all the same.
   */
  hold(): void {
    this.#catchUp ??= [];
    native.clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = native.setTimeout(() => this.release(), CATCH_UP_MAX_MS);
  }

  /** The replay is over: everything held is applied now, and what follows as it arrives. */
  release(): void {
    native.clearTimeout(this.#catchUpTimer);
    const held = this.#catchUp;
    this.#catchUp = null;
    if (held && this.#replayer) for (const events of held) this.#add(events);
  }

  #add(events: RecordedEvent[]): void {
    if (this.#catchUp) {
      // A snapshot is built at once, while the changes after it are still on their way; it
      // rebuilds the whole document, so what was held before it is of no use.
      if (!events.some((e) => e.type === EVENT_FULL)) return void this.#catchUp.push(events);
      this.#catchUp.length = 0;
    }
    const r = this.#replayer!;
    const after: (() => void)[] = [];
    for (const e of events) {
      if (e.type === EVENT_CUSTOM) {
        const c = e.data as { tag?: string; payload?: { id?: unknown; values?: unknown } };
        if (c.tag === SELECT_EVENT && c.payload) after.push(() => this.#applySelect(c.payload!.id, c.payload!.values));
        continue;
      }
      if (e.type === EVENT_INCREMENTAL) {
        const d = e.data as { source: number; id: number; x: number; y: number };
        if (d.source === SOURCE_SCROLL) this.#remoteScroll.set(d.id, { x: d.x, y: d.y });
        if (d.source === SOURCE_INPUT) {
          if (this.#typingIn(d.id)) {
            this.#hold(d.id, e);
            continue;
          }
          // A newer value of the field held: the held one is stale and must not follow it.
          if (this.#held?.id === d.id) this.#dropHeld();
        }
        if (d.source === SOURCE_SELECTION) {
          // rrweb applies a selection only when seeking: the mirror shows the customer's caret
          // here, unless the operator has just placed their own.
          after.push(() => {
            if (!this.#inputs.some((i) => i.selectionMoved)) (r as unknown as { applySelection(d: unknown): void }).applySelection(d);
          });
          continue;
        }
      }
      r.addEvent(e as unknown as eventWithTime);
    }
    // rrweb applies each event in a microtask of its own; these follow them.
    queueMicrotask(() => {
      for (const fn of after) fn();
      this.#afterChangesSoon();
    });
  }

  #typingIn(id: number): boolean {
    return this.#inputs.some((i) => i.typingIn(id, TYPING_QUIET_MS));
  }

  /** Every selected value of a multiple select, as the customer's page has them. */
  #applySelect(id: unknown, values: unknown): void {
    if (typeof id !== 'number' || !Array.isArray(values)) return;
    const el = this.#replayer?.getMirror().getNode(id) as HTMLSelectElement | null;
    if (!el || el.localName !== 'select') return;
    for (const o of Array.from(el.options)) o.selected = values.includes(o.value);
  }

  #dropHeld(): void {
    if (this.#held) native.clearTimeout(this.#held.timer);
    this.#held = null;
  }

  /** Keeps the latest echo of the field being typed in until the operator pauses. */
  #hold(id: number, e: RecordedEvent): void {
    if (this.#held && this.#held.id !== id) this.#replayer?.addEvent(this.#held.event as unknown as eventWithTime);
    if (this.#held) native.clearTimeout(this.#held.timer);
    const timer = native.setTimeout(() => {
      const h = this.#held;
      if (!h || h.event !== e) return;
      if (this.#typingIn(id)) return this.#hold(id, e);
      this.#held = null;
      this.#replayer?.addEvent(e as unknown as eventWithTime);
    }, TYPING_QUIET_MS);
    this.#held = { id, event: e, timer };
  }

  #ensureReplayer(): Replayer {
    if (this.#replayer) return this.#replayer;
    const r = new Replayer([], {
      root: this.stage,
      liveMode: true,
      mouseTail: false,
      showWarning: false,
      showDebug: false,
      triggerFocus: false,
      pauseAnimation: false,
      UNSAFE_replayCanvas: false,
      // Every event is applied as it arrives (see startLive below): straight to the document,
      // never to rrweb's virtual DOM, which is only flushed when seeking.
      useVirtualDom: false,
      insertStyleRules: STYLE_RULES,
      logger: { log: () => undefined, warn: () => undefined } as unknown as Console,
    });
    r.startLive(Number.MAX_SAFE_INTEGER);
    r.enableInteract();
    const f = r.iframe;
    f.setAttribute('data-tandem', 'content');
    f.setAttribute('name', 'tandem-content');
    f.setAttribute('title', "The customer's page");
    r.wrapper.classList.add('tandem-mirror');
    r.on('fullsnapshot-rebuilded', () => this.#rebuilt());
    r.on('resize', () => this.#fit());
    this.#replayer = r;
    return r;
  }

  /** A new document in the frame: listeners, overlay and marks go in again. */
  #rebuilt(): void {
    const r = this.#replayer!;
    const doc = r.iframe.contentDocument;
    if (!doc) return;
    this.#inputs = [];
    this.#instrumented = new WeakSet<Element>();
    showUnselected(doc);
    const ctx = this.#instrument(doc);
    if (!ctx) return;
    this.#overlay = new Overlay(ctx);
    if (ctx.setup) {
      this.#overlay.setPeople(ctx.setup.participants);
      this.#overlay.setDrawing(this.#drawing);
    }
    for (const [k, d] of this.#ink) this.#overlay.applyInk(k, d);
    for (const [by, p] of this.#pointers) this.#overlay.applyPointer(by, p);
    this.#afterChanges();
    queueMicrotask(() => {
      this.#markFocus();
      this.#applyFocus();
    });
    // rrweb builds a child frame's document once that frame has loaded: listen to it then too.
    for (const ms of [50, 300, 1000]) native.setTimeout(() => this.#afterChanges(), ms);
  }

  /** Operators' input in a document of the mirror (the top one, or a same-origin child frame's). */
  #instrument(doc: Document): Ctx | null {
    const win = doc.defaultView;
    const root = doc.documentElement;
    if (!win || !root || this.#instrumented.has(root)) return null;
    this.#instrumented.add(root);
    const ctx = makeCtx(
      win,
      doc,
      this.#mask,
      this.host.setup(),
      (k, op, d) => this.host.send(k, op, d),
      (message) => this.host.report(message),
    );
    this.#inputs.push(
      new MirrorInput(ctx, this.#replayer!.getMirror(), {
        sid: () => this.#sid,
        allowed: () => this.host.allowed(),
        send: (d) => this.host.send('act', 'act', d),
        isRemoteScroll: (id, x, y) => {
          const p = this.#remoteScroll.get(id);
          return !!p && Math.abs(p.x - x) < 2 && Math.abs(p.y - y) < 2;
        },
        mask: this.#mask,
      }),
    );
    return ctx;
  }

  #afterChangesTimer = 0;

  /**
   * After a batch of changes, at most once per AFTER_CHANGES_MS: every pass walks the whole
   * document, and a late joiner's catch-up, or a busy page, brings thousands of batches.
   */
  #afterChangesSoon(): void {
    if (this.#afterChangesTimer) return;
    this.#afterChangesTimer = native.setTimeout(() => {
      this.#afterChangesTimer = 0;
      this.#afterChanges();
    }, AFTER_CHANGES_MS);
  }

  #afterChanges(): void {
    const doc = this.#replayer?.iframe.contentDocument;
    if (!doc) return;
    // Child frames the recording rebuilt since: the operator acts in them too.
    for (const f of Array.from(doc.querySelectorAll('iframe'))) {
      try {
        const d = f.contentDocument;
        if (d && d.documentElement && !this.#instrumented.has(d.documentElement)) this.#instrument(d);
      } catch {
        /* not reachable: nothing to act on */
      }
    }
    for (const i of this.#inputs) i.markMasked();
    this.host.meta(doc.title, this.#icon);
  }

  #icon = '';

  /** The page's icon, if it is one of the gateway's own URLs (the shell shows it as its own). */
  #readIcon(root: SerializedNode): void {
    const html = root.childNodes?.find((n) => n.tagName === 'html');
    const head = html?.childNodes?.find((n) => n.tagName === 'head');
    const link = head?.childNodes?.find((n) => n.tagName === 'link' && /(^|\s)icon(\s|$)/i.test(String(n.attributes?.rel ?? '')));
    const href = String(link?.attributes?.href ?? '');
    try {
      const u = new URL(href, location.href);
      this.#icon = u.origin === location.origin ? u.href : '';
    } catch {
      this.#icon = '';
    }
  }

  /** The customer's focus (`<sid>:<id>`, or null): the mirror's focus follows it. */
  focus(el: string | null): void {
    this.#focus = el;
    this.#markFocus();
    this.#applyFocus();
  }

  #customerName(): string {
    return this.host.setup()?.participants.find((p) => p.role === 'customer')?.name ?? 'Customer';
  }

  #focus: string | null = null;

  #applyFocus(): void {
    const doc = this.#replayer?.iframe.contentDocument;
    if (!doc || !this.#focus) return;
    const [sid, id] = this.#focus.split(':');
    if (sid !== this.#sid) return;
    const node = this.#replayer!.getMirror().getNode(Number(id)) as HTMLElement | null;
    if (!node || node.nodeType !== 1 || typeof node.focus !== 'function') return;
    // Never out of the operator's own toolbar (typing an address, say).
    const mine = document.activeElement;
    if (mine && mine !== document.body && mine !== this.#replayer!.iframe) return;
    if (node.ownerDocument.activeElement !== node) {
      node.focus({ preventScroll: true });
      // The caret this put in the mirror is not the operator's doing.
      for (const i of this.#inputs) i.followCustomer();
    }
  }

  /** The customer's focused element carries their name, so the operator sees where they are. */
  #markFocus(): void {
    const doc = this.#replayer?.iframe.contentDocument;
    if (!doc) return;
    for (const el of Array.from(doc.querySelectorAll('[data-tandem-focus]'))) el.removeAttribute('data-tandem-focus');
    if (!this.#focus) return;
    const [sid, id] = this.#focus.split(':');
    if (sid !== this.#sid) return;
    const node = this.#replayer!.getMirror().getNode(Number(id)) as Element | null;
    if (node && node.nodeType === 1) node.setAttribute('data-tandem-focus', this.#customerName());
  }

  // ---- the customer's viewport ------------------------------------------------------------------

  viewport(w: number, h: number): void {
    this.#viewport = { w, h };
    this.#fit();
  }

  #fit(): void {
    const r = this.#replayer;
    if (!r) return;
    const w = this.#viewport?.w ?? Number(r.iframe.width);
    const h = this.#viewport?.h ?? Number(r.iframe.height);
    if (!w || !h) return;
    r.iframe.width = String(w);
    r.iframe.height = String(h);
    r.iframe.style.width = `${w}px`;
    r.iframe.style.height = `${h}px`;
    r.iframe.style.display = 'block';
    const scale = Math.min(1, this.stage.clientWidth / w, this.stage.clientHeight / h);
    r.wrapper.style.width = `${w}px`;
    r.wrapper.style.height = `${h}px`;
    r.wrapper.style.transformOrigin = '0 0';
    r.wrapper.style.transform = scale < 1 ? `scale(${scale})` : '';
    r.iframe.dataset.scale = String(scale);
  }

  // ---- pointers and ink -------------------------------------------------------------------------

  pointer(by: string, d: { x: number; y: number }): void {
    this.#pointers.set(by, d);
    this.#overlay?.applyPointer(by, d);
  }

  ink(k: string, d: { points: number[][]; color: string }): void {
    this.#ink.set(k, d);
    this.#overlay?.applyInk(k, d);
  }

  clearInk(): void {
    this.#ink.clear();
    this.#overlay?.clearInk();
  }

  setPeople(participants: PageSetup['participants']): void {
    for (const id of this.#pointers.keys()) if (!participants.some((p) => p.id === id)) this.#pointers.delete(id);
    this.#overlay?.setPeople(participants);
  }

  setDrawing(on: boolean): void {
    this.#drawing = on;
    this.#overlay?.setDrawing(on);
  }

  /** The page's log starts over (a reset): forget the current document's id space. */
  forget(): void {
    this.#sid = '';
    this.#snapshots.reset();
    this.#changes.reset();
  }

  /** The session ended: the mirror is replaced by a notice. */
  end(notice: string): void {
    this.forget();
    native.clearTimeout(this.#catchUpTimer);
    this.#catchUp = null;
    this.#replayer?.destroy();
    this.#replayer = null;
    this.#overlay = null;
    this.#inputs = [];
    const f = document.createElement('iframe');
    f.setAttribute('data-tandem', 'content');
    f.setAttribute('name', 'tandem-content');
    f.setAttribute('sandbox', '');
    f.srcdoc = notice;
    this.stage.replaceChildren(f);
  }
}
