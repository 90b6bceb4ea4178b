/**
 * Clicks and submits. A click is replayed on the other side as real events (pointer and mouse
 * down/up, then click) at the same spot of the same element, so the page's scripts react the
 * same way. Navigation is the nav op's job: a replayed click that would load another document
 * (a link, a form submit, a script's location change) is cancelled on the replaying side, and
 * the side where the user clicked navigates and sends `nav`. So a POST is sent once, by the
 * browser that submitted, and the others are shown the kept response.
 */

import { elementKey, resolveElementKey } from './element-key.js';
import { eventElement, isOwn, native, type Ctx } from './context.js';

const TEXTUAL = /^(?:text|search|email|url|tel|password|number|date|datetime-local|month|week|time|color)$/;
/** How long after a replayed click a document navigation is taken as its consequence. */
const SUPPRESS_MS = 150;

interface NavigateEventLike extends Event {
  navigationType: string;
  destination: { sameDocument: boolean };
  formData: FormData | null;
}

/** How long a form submitted by a replayed click may take to start its navigation. */
const FORM_SUPPRESS_MS = 5000;

function replayable(el: Element): boolean {
  const n = el.localName;
  if (n === 'select' || n === 'option' || n === 'textarea') return false;
  if (n === 'input' && TEXTUAL.test((el as HTMLInputElement).type)) return false;
  return !(el as HTMLElement).isContentEditable;
}

export class Clicks {
  #suppressUntil = 0;
  #formUntil = 0;
  #lastClick: { el: Element; at: number } | null = null;

  constructor(private readonly ctx: Ctx) {
    for (const type of ['click', 'dblclick', 'contextmenu']) ctx.listen(ctx.win, type, (e) => this.#detect(e as MouseEvent), true);
    ctx.listen(ctx.win, 'submit', (e) => this.#submit(e as SubmitEvent), true);
    const nav = (ctx.win as unknown as { navigation?: EventTarget }).navigation;
    if (nav) ctx.listen(nav, 'navigate', (e) => this.#navigate(e as NavigateEventLike));
  }

  #detect(e: MouseEvent): void {
    if (!e.isTrusted || this.ctx.applying) return;
    const el = eventElement(e);
    if (!el || isOwn(el) || !replayable(el)) return;
    // A click on a label is followed by one on its control: replaying the label's repeats both.
    const last = this.#lastClick;
    const at = native.now();
    this.#lastClick = { el, at };
    if (e.type === 'click' && last && at - last.at < 50 && last.el.localName === 'label' && (last.el as HTMLLabelElement).control === el)
      return;
    const key = elementKey(el);
    if (key === null) return;
    const r = native.rect.call(el);
    this.ctx.send('click', 'click', { el: key, type: e.type, x: Math.round(e.clientX - r.left), y: Math.round(e.clientY - r.top) });
  }

  #submit(e: SubmitEvent): void {
    if (this.ctx.applying) {
      // A replayed click submitted the form: its navigation (a POST, maybe) belongs to the
      // submitter's browser, however late this busy page gets to start it.
      this.#formUntil = native.now() + FORM_SUPPRESS_MS;
      // A script that took the submit over (an AJAX form) starts no navigation to wait for.
      native.setTimeout(() => {
        if (e.defaultPrevented) this.#formUntil = 0;
      }, 0);
      return;
    }
    if (!e.isTrusted) return;
    const form = e.target as HTMLFormElement;
    const by = e.submitter;
    const last = this.#lastClick;
    // A submit that a sent click caused is replayed by that click already.
    if (by && last && native.now() - last.at < 200 && (by === last.el || by.contains(last.el))) return;
    const key = elementKey(form);
    if (key !== null) this.ctx.send('submit', 'submit', { el: key });
  }

  #navigate(e: NavigateEventLike): void {
    if (!e.cancelable) return;
    if (e.formData && native.now() < this.#formUntil) {
      this.#formUntil = 0;
      e.preventDefault();
      return;
    }
    if (native.now() > this.#suppressUntil) return;
    // The shell applies a remote nav with location.replace; a replayed link or form pushes.
    if (e.destination.sameDocument || e.navigationType !== 'push') return;
    e.preventDefault();
  }

  apply(d: { el: string; type?: string; x?: number; y?: number }): void {
    const el = resolveElementKey(this.ctx.doc, d.el);
    if (!el) return;
    const r = native.rect.call(el);
    const clientX = r.left + (d.x ?? r.width / 2);
    const clientY = r.top + (d.y ?? r.height / 2);
    const init = { bubbles: true, cancelable: true, composed: true, clientX, clientY, view: this.ctx.win, button: 0 };
    const type = d.type ?? 'click';
    const seq: [string, boolean][] =
      type === 'click'
        ? [
            ['pointerdown', true],
            ['mousedown', false],
            ['pointerup', true],
            ['mouseup', false],
            ['click', false],
          ]
        : [[type, type.startsWith('pointer')]];
    this.#suppressUntil = native.now() + SUPPRESS_MS;
    this.ctx.apply(() => {
      for (const [t, pointer] of seq) {
        const ev = pointer
          ? new PointerEvent(t, { ...init, pointerId: 1, pointerType: 'mouse', isPrimary: true })
          : new MouseEvent(t, { ...init, detail: t === 'dblclick' ? 2 : 1 });
        native.dispatch.call(el, ev);
      }
    });
  }
}
