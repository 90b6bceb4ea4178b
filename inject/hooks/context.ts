/**
 * What every sharing module of a page gets: the saved natives, a guarded `listen`, `send`, and
 * the `applying` flag that keeps remote changes from being detected as local ones (no echo).
 */

import type { Op } from '../../protocol/commands.js';
import type { PageSetup } from './bridge.js';
import type { Mask } from './mask.js';

/** Natives saved when the hooks start, before the page's scripts can patch them. */
export const native = {
  add: EventTarget.prototype.addEventListener,
  remove: EventTarget.prototype.removeEventListener,
  dispatch: EventTarget.prototype.dispatchEvent,
  setTimeout: window.setTimeout.bind(window),
  clearTimeout: window.clearTimeout.bind(window),
  now: performance.now.bind(performance),
  rect: Element.prototype.getBoundingClientRect,
  inputValue: Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!,
  textareaValue: Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!,
  checked: Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'checked')!.set!,
};

export interface Ctx {
  readonly win: Window;
  readonly doc: Document;
  readonly mask: Mask;
  /** Null until the shell answers the hello. */
  setup: PageSetup | null;
  /** True while a remote command is being applied: detectors ignore what happens then. */
  applying: boolean;
  send(k: string, op: Op, d: unknown): void;
  /** An event listener that never throws into the page and reports failures to the shell. */
  listen(target: EventTarget, type: string, fn: (e: Event) => void, capture?: boolean): void;
  report(err: unknown): void;
  /** Runs `fn` with `applying` set. */
  apply<T>(fn: () => T): T;
}

/**
 * A Ctx for a document: `forward` gets what is sent once the shell has answered (`setup`), and
 * every listener's failure goes to `report`, as a short message, instead of into the page.
 */
export function makeCtx(
  win: Window,
  doc: Document,
  mask: Mask,
  setup: PageSetup | null,
  forward: (k: string, op: Op, d: unknown) => void,
  report: (message: string) => void,
): Ctx {
  const ctx: Ctx = {
    win,
    doc,
    mask,
    setup,
    applying: false,
    send(k, op, d) {
      if (ctx.setup) forward(k, op, d);
    },
    listen(target, type, fn, capture = false) {
      native.add.call(
        target,
        type,
        (e: Event) => {
          try {
            fn(e);
          } catch (err) {
            ctx.report(err);
          }
        },
        capture,
      );
    },
    report: (err) => report(String((err as Error)?.stack ?? err).slice(0, 500)),
    apply: (fn) => fn(),
  };
  return ctx;
}

export function isOwn(el: Element | null): boolean {
  return !!el && el.closest('[data-tandem]') !== null;
}

/** The element an event is about (text nodes map to their parent). */
export function eventElement(e: Event): Element | null {
  const t = e.composedPath ? e.composedPath()[0] : e.target;
  if (!t || !(t as Node).nodeType) return null;
  const n = t as Node;
  return n.nodeType === 1 ? (n as Element) : n.parentElement;
}
