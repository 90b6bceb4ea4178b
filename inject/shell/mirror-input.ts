/**
 * What an operator does in the mirror becomes actions (protocol/mirror.ts `Act`) for the
 * customer's page, which carries them out on the real elements. Nothing is carried out here:
 * clicks, submits and navigations in the mirror are cancelled, and what the page then does
 * comes back through the recording. The one local effect kept is typing into a plain field,
 * so the operator sees their own keys at once (the echo from the customer is held while they
 * type, see mirror.ts). Without control (TANDEM_OPERATOR_CONTROL) nothing is sent and nothing
 * pressed has an effect; pointers and ink are the overlay's and always work.
 */

import type { Act, Mods, Selection } from '../../protocol/mirror.js';
import { native, type Ctx } from '../hooks/context.js';
import type { Mask } from '../hooks/mask.js';

export interface NodeIds {
  getId(n: Node): number;
  getNode(id: number): Node | null;
}

export interface InputHost {
  sid(): string;
  allowed(): boolean;
  send(act: Act): void;
  /** Whether a scroll position is where the customer's page just put that node. */
  isRemoteScroll(id: number, x: number, y: number): boolean;
  mask: Mask;
}

const TEXT_INPUT = /^(?:text|search|email|url|tel|password|number)$/;
/** Keys that only move the caret or the view: allowed locally, and sent. */
const MOVES = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);
const DRAG_START_PX = 5;
const SCROLL_EVERY_MS = 33;
/** An input event this soon after a key of ours is that key's own. */
const KEY_INPUT_MS = 50;

function isTextField(el: Element): el is HTMLInputElement | HTMLTextAreaElement {
  if (el.localName === 'textarea') return true;
  return el.localName === 'input' && TEXT_INPUT.test((el as HTMLInputElement).type || 'text');
}

function mods(e: MouseEvent | KeyboardEvent): Mods | undefined {
  if (!e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) return undefined;
  return { alt: e.altKey || undefined, ctrl: e.ctrlKey || undefined, meta: e.metaKey || undefined, shift: e.shiftKey || undefined };
}

export class MirrorInput {
  #press: { id: number; x: number; y: number; path: [number, number][]; dragging: boolean } | null = null;
  #suppressClick = false;
  #typing: { id: number; at: number } | null = null;
  /**
   * The operator moved the caret or the selection (a press, a drag, a caret key) since the last
   * action that carried it: the next key carries it too. Otherwise the customer's page keeps its
   * own caret, which its typing has moved on (the mirror's lags by a round trip).
   */
  #selectionMoved = false;
  readonly #scrollTimers = new Map<number, number>();

  constructor(
    private readonly ctx: Ctx,
    private readonly ids: NodeIds,
    private readonly host: InputHost,
  ) {
    const { doc } = ctx;
    const on = (type: string, fn: (e: Event) => void): void => ctx.listen(doc, type, fn, true);
    on('click', (e) => this.#click(e as MouseEvent, 'click'));
    on('dblclick', (e) => this.#click(e as MouseEvent, 'dblclick'));
    on('contextmenu', (e) => this.#click(e as MouseEvent, 'contextmenu'));
    on('auxclick', (e) => e.preventDefault());
    on('mousedown', (e) => this.#down(e as MouseEvent));
    on('mousemove', (e) => this.#move(e as MouseEvent));
    on('mouseup', (e) => this.#up(e as MouseEvent));
    on('keydown', (e) => this.#key(e as KeyboardEvent));
    on('keypress', (e) => this.#stopUnlessTyping(e));
    on('paste', (e) => this.#paste(e as ClipboardEvent));
    on('drop', (e) => e.preventDefault());
    on('dragstart', (e) => e.preventDefault());
    on('submit', (e) => e.preventDefault());
    on('change', (e) => this.#change(e));
    on('input', (e) => this.#input(e));
    on('scroll', (e) => this.#scroll(e));
  }

  /** Whether the operator typed in node `id` within the last `ms`. */
  typingIn(id: number, ms: number): boolean {
    return !!this.#typing && this.#typing.id === id && performance.now() - this.#typing.at < ms;
  }

  /** Masked fields in the mirror show as masked and take no typing. */
  markMasked(): void {
    const fields = this.ctx.doc.querySelectorAll<HTMLInputElement>('input,textarea,select');
    for (const f of fields) {
      if (!this.#masked(f)) continue;
      if (!f.hasAttribute('data-tandem-masked')) f.setAttribute('data-tandem-masked', '');
      f.readOnly = true;
      if (f.localName !== 'select' && !f.value) f.placeholder = '•••••• (masked)';
    }
  }

  #masked(el: Element | null): boolean {
    return !!el && (el.hasAttribute('data-tandem-masked') || this.host.mask.isMasked(el));
  }

  #own(e: Event): boolean {
    const t = e.target as Element | null;
    return !!t && typeof t.closest === 'function' && t.closest('[data-tandem]') !== null;
  }

  #target(e: Event): Element | null {
    const t = e.target as Node | null;
    if (!t) return null;
    return t.nodeType === 1 ? (t as Element) : t.parentElement;
  }

  #send(act: Act): void {
    if (this.host.allowed() && this.host.sid()) this.host.send(act);
  }

  // ---- the mouse ----------------------------------------------------------------------------

  #click(e: MouseEvent, type: 'click' | 'dblclick' | 'contextmenu'): void {
    if (this.#own(e)) return;
    const el = this.#target(e);
    // A link, a submit, a checkbox: none of it happens here.
    if (type !== 'click' || !el || !isTextField(el)) e.preventDefault();
    if (type === 'click' && this.#suppressClick) {
      this.#suppressClick = false;
      return;
    }
    if (!el) return;
    const id = this.ids.getId(el);
    if (id < 0) return;
    const r = el.getBoundingClientRect();
    this.#send({
      type,
      sid: this.host.sid(),
      id,
      ox: Math.round((e.clientX - r.left) * 10) / 10,
      oy: Math.round((e.clientY - r.top) * 10) / 10,
      mods: mods(e),
      sel: this.#clickSelection(el),
    });
  }

  /** A click carries the caret it placed, so the next key need not. */
  #clickSelection(el: Element): Selection | undefined {
    const sel = this.#selection(el);
    if (sel) this.#selectionMoved = false;
    return sel;
  }

  #down(e: MouseEvent): void {
    if (this.#own(e) || e.button !== 0) return;
    if (!this.host.allowed()) {
      // No control: no caret, no focus, no selection to act on.
      e.preventDefault();
      return;
    }
    const el = this.#target(e);
    const id = el ? this.ids.getId(el) : -1;
    this.#press = id >= 0 ? { id, x: e.clientX, y: e.clientY, path: [[e.clientX, e.clientY]], dragging: false } : null;
    this.#suppressClick = false;
    this.#selectionMoved = true;
  }

  #move(e: MouseEvent): void {
    const p = this.#press;
    if (!p || !(e.buttons & 1)) return;
    if (!p.dragging && Math.hypot(e.clientX - p.x, e.clientY - p.y) < DRAG_START_PX) return;
    p.dragging = true;
    const last = p.path[p.path.length - 1];
    if (Math.hypot(e.clientX - last[0], e.clientY - last[1]) >= 3 && p.path.length < 400) p.path.push([e.clientX, e.clientY]);
  }

  #up(e: MouseEvent): void {
    const p = this.#press;
    this.#press = null;
    if (!p || !p.dragging) return;
    p.path.push([e.clientX, e.clientY]);
    // Dragging inside a field selects text: that travels with the next key, not as a drag.
    const el = this.ids.getNode(p.id) as Element | null;
    if (el && el.nodeType === 1 && isTextField(el)) return;
    this.#suppressClick = true;
    this.#send({ type: 'drag', sid: this.host.sid(), id: p.id, path: p.path, mods: mods(e) });
  }

  // ---- keys ---------------------------------------------------------------------------------

  #key(e: KeyboardEvent): void {
    if (e.isComposing || this.#own(e)) return;
    const el = (this.ctx.doc.activeElement ?? this.ctx.doc.body) as HTMLElement | null;
    if (!el) return;
    if (!this.host.allowed() || this.#masked(el)) {
      if (!MOVES.has(e.key)) e.preventDefault();
      return;
    }
    const id = this.ids.getId(el);
    if (id < 0) return;
    const textField = isTextField(el);
    const printable = e.key.length === 1 && !e.ctrlKey && !e.metaKey;
    // Plain fields echo the operator's keys at once (a line break in a textarea too).
    const localEcho =
      textField &&
      (printable || e.key === 'Backspace' || e.key === 'Delete' || MOVES.has(e.key) || (e.key === 'Enter' && el.localName === 'textarea'));
    // Select all (Ctrl/Cmd+A) selects here too, so the next key carries the selection.
    const selectAll = (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'a';
    if (!localEcho && !MOVES.has(e.key) && !selectAll) e.preventDefault();
    if (selectAll && textField) {
      // The browser's own select-all does not reach a field the mirror focused for the
      // customer (measured in Chromium: the caret stays at 0): select it here.
      e.preventDefault();
      (el as HTMLInputElement).select();
    }
    if (localEcho) this.#typing = { id, at: performance.now() };
    // Where the caret is travels only when the operator put it there; otherwise the customer's
    // page types at its own caret, which its typing has moved on (the mirror's lags).
    const field =
      textField && this.#selectionMoved
        ? ([(el as HTMLInputElement).selectionStart ?? 0, (el as HTMLInputElement).selectionEnd ?? 0] as [number, number])
        : undefined;
    const sel = !textField && this.#selectionMoved ? this.#selection(el) : undefined;
    if (field || sel) this.#selectionMoved = false;
    // A caret key or a select-all moves the mirror's caret now: the next key says where it went.
    if (MOVES.has(e.key) || selectAll) this.#selectionMoved = true;
    this.#send({ type: 'key', sid: this.host.sid(), id, key: e.key, code: e.code, mods: mods(e), field, sel });
  }

  /** The mirror's caret is the customer's again (their focus moved): nothing of ours to send. */
  followCustomer(): void {
    this.#selectionMoved = false;
  }

  /** Whether the operator has moved the caret since it was last sent (the customer's caret then waits). */
  get selectionMoved(): boolean {
    return this.#selectionMoved;
  }

  #stopUnlessTyping(e: Event): void {
    const el = this.ctx.doc.activeElement;
    if (!el || !isTextField(el) || !this.host.allowed() || this.#masked(el)) e.preventDefault();
  }

  #paste(e: ClipboardEvent): void {
    e.preventDefault();
    const el = this.ctx.doc.activeElement as HTMLElement | null;
    const text = e.clipboardData?.getData('text/plain') ?? '';
    if (!el || !text || this.#masked(el)) return;
    const id = this.ids.getId(el);
    if (id < 0) return;
    const field = isTextField(el) ? ([el.selectionStart ?? 0, el.selectionEnd ?? 0] as [number, number]) : undefined;
    this.#send({
      type: 'text',
      sid: this.host.sid(),
      id,
      text: text.slice(0, 32 * 1024),
      field,
      sel: field ? undefined : this.#selection(el),
    });
  }

  /**
   * A field's value changed without a key of ours behind it (an input method, autofill, a
   * drop-down of suggestions): the whole value travels.
   */
  #input(e: Event): void {
    const el = this.#target(e);
    if (!el || !isTextField(el) || this.#masked(el) || !this.host.allowed()) return;
    const id = this.ids.getId(el);
    if (id < 0) return;
    if (this.#typing && this.#typing.id === id && performance.now() - this.#typing.at < KEY_INPUT_MS) return;
    this.#typing = { id, at: performance.now() };
    this.#send({ type: 'value', sid: this.host.sid(), id, value: el.value });
  }

  /** A select or a file-less control changed by the browser's own UI (a drop-down list). */
  #change(e: Event): void {
    const el = this.#target(e);
    if (!el || el.localName !== 'select' || this.#masked(el)) return;
    const s = el as HTMLSelectElement;
    const id = this.ids.getId(s);
    if (id < 0) return;
    const value = s.multiple ? [...s.selectedOptions].map((o) => o.value) : s.value;
    this.#send({ type: 'value', sid: this.host.sid(), id, value });
  }

  /** The caret or selection in the mirror, in node ids, when it lies inside `el`. */
  #selection(el: Element): Selection | undefined {
    const s = this.ctx.doc.getSelection();
    if (!s || !s.anchorNode || !s.focusNode) return undefined;
    if (!el.contains(s.anchorNode) && !(el as HTMLElement).isContentEditable) return undefined;
    const anchor = this.ids.getId(s.anchorNode);
    const focus = this.ids.getId(s.focusNode);
    if (anchor < 0 || focus < 0) return undefined;
    return { anchor, anchorOffset: s.anchorOffset, focus, focusOffset: s.focusOffset };
  }

  // ---- scroll -------------------------------------------------------------------------------

  #scroll(e: Event): void {
    if (!this.host.allowed()) return;
    const t = e.target as Node;
    const doc = this.ctx.doc;
    const isDoc = t === doc || t === doc.documentElement || t === doc.body;
    const node: Node = isDoc ? doc : t;
    const id = this.ids.getId(node);
    if (id < 0 || this.#scrollTimers.has(id)) return;
    this.#scrollTimers.set(
      id,
      native.setTimeout(() => {
        this.#scrollTimers.delete(id);
        const x = Math.round(isDoc ? this.ctx.win.scrollX : (node as Element).scrollLeft);
        const y = Math.round(isDoc ? this.ctx.win.scrollY : (node as Element).scrollTop);
        if (this.host.isRemoteScroll(id, x, y)) return;
        this.#send({ type: 'scroll', sid: this.host.sid(), id, x, y });
      }, SCROLL_EVERY_MS),
    );
  }
}
