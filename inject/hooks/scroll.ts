/**
 * Scroll of the window (`scroll`) and of scrollable elements (`scroll/<elementKey>`), coalesced
 * at the op's rate with a trailing edge. A scroll event that lands where a remote command just
 * put the target is ours, not the user's, and is not sent back.
 */

import { OPS } from '../../protocol/commands.js';
import { joinKey, splitKey } from '../../protocol/keys.js';
import { elementKey, resolveElementKey } from './element-key.js';
import { Coalescer } from './coalesce.js';
import { isOwn, native, type Ctx } from './context.js';
import type { LocalCommand } from './bridge.js';

interface XY {
  x: number;
  y: number;
}

const near = (a: XY, b: XY): boolean => Math.abs(a.x - b.x) < 1.5 && Math.abs(a.y - b.y) < 1.5;

export class Scroll {
  readonly #applied = new WeakMap<object, XY>();
  readonly #out: Coalescer<XY>;
  /** The window position a remote command asked for, re-applied once the page has its full height. */
  #pendingWindow: XY | null = null;

  constructor(private readonly ctx: Ctx) {
    this.#out = new Coalescer<XY>(OPS.scroll.rateHz, (k, v) => ctx.send(k, 'scroll', v), {
      set: native.setTimeout as typeof setTimeout,
      clear: native.clearTimeout as typeof clearTimeout,
      now: native.now,
    });
    ctx.listen(ctx.doc, 'scroll', (e) => this.#detect(e), true);
    ctx.listen(ctx.win, 'load', () => {
      const p = this.#pendingWindow;
      if (p) this.#scrollWindow(p);
    });
    ctx.listen(ctx.win, 'pagehide', () => this.#out.flushAll());
  }

  #position(target: object): XY {
    if (target === this.ctx.doc) return { x: this.ctx.win.scrollX, y: this.ctx.win.scrollY };
    const el = target as Element;
    return { x: el.scrollLeft, y: el.scrollTop };
  }

  #detect(e: Event): void {
    const t = e.target as Element | Document | null;
    if (!t) return;
    const isDoc = t === this.ctx.doc;
    if (!isDoc && isOwn(t as Element)) return;
    const pos = this.#position(t);
    const applied = this.#applied.get(t);
    if (applied) {
      if (near(applied, pos)) return;
      this.#applied.delete(t);
    }
    if (isDoc) this.#pendingWindow = null;
    if (this.ctx.applying) return;
    const key = isDoc ? 'scroll' : keyOf(t as Element);
    if (key) this.#out.push(key, pos);
  }

  #scrollWindow(p: XY): void {
    this.ctx.win.scrollTo({ left: p.x, top: p.y, behavior: 'instant' as ScrollBehavior });
    const now = this.#position(this.ctx.doc);
    this.#applied.set(this.ctx.doc, now);
    // Too early in the load for the page to be that long: try again on `load`.
    this.#pendingWindow = near(now, p) ? null : p;
  }

  apply(key: string, d: XY): void {
    const parts = splitKey(key);
    this.ctx.apply(() => {
      if (parts.length === 1) return this.#scrollWindow(d);
      const el = resolveElementKey(this.ctx.doc, parts[1]);
      if (!el) return;
      el.scrollTo({ left: d.x, top: d.y, behavior: 'instant' as ScrollBehavior });
      this.#applied.set(el, { x: el.scrollLeft, y: el.scrollTop });
    });
  }

  collect(): LocalCommand[] {
    const out: LocalCommand[] = [{ k: 'scroll', op: 'scroll', d: this.#position(this.ctx.doc) }];
    const all = this.ctx.doc.body ? this.ctx.doc.body.querySelectorAll('*') : [];
    for (let i = 0; i < all.length; i++) {
      const el = all[i];
      if (el.scrollTop === 0 && el.scrollLeft === 0) continue;
      const k = keyOf(el);
      if (k) out.push({ k, op: 'scroll', d: { x: el.scrollLeft, y: el.scrollTop } });
    }
    return out;
  }
}

function keyOf(el: Element): string | null {
  const k = elementKey(el);
  return k === null ? null : joinKey('scroll', k);
}
