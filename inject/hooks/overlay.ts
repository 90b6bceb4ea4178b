/**
 * Remote pointers and the shared drawing layer, drawn in the content document in document
 * coordinates (the operator's frame has the customer's viewport size, so they line up).
 * Pointer: `pointer/<participant>` {x, y}. Ink: one key per chunk of a stroke,
 * `ink/<participant>/<stroke>.<chunk>`, so every chunk survives compaction; `ink` clears.
 */

import { OPS } from '../../protocol/commands.js';
import { joinKey, splitKey } from '../../protocol/keys.js';
import type { ParticipantInfo } from '../../protocol/messages.js';
import { Coalescer } from './coalesce.js';
import { native, type Ctx } from './context.js';

/** Tandem's own layer in a page: the recorder leaves it out of what the mirrors get. */
export const OVERLAY_CLASS = 'tandem-overlay';

const SVG = 'http://www.w3.org/2000/svg';
const TOP_Z = '2147483646';

interface XY {
  x: number;
  y: number;
}

export class Overlay {
  readonly #pointers = new Map<string, HTMLElement>();
  readonly #people = new Map<string, ParticipantInfo>();
  readonly #out: Coalescer<XY>;
  #ink: SVGSVGElement | null = null;
  #drawing = false;
  #stroke: { id: string; chunk: number; points: number[][]; sent: number; path: SVGPathElement; timer: number } | null = null;

  constructor(private readonly ctx: Ctx) {
    this.#out = new Coalescer<XY>(OPS.pointer.rateHz, (k, v) => ctx.send(k, 'pointer', v), {
      set: native.setTimeout as typeof setTimeout,
      clear: native.clearTimeout as typeof clearTimeout,
      now: native.now,
    });
    ctx.listen(ctx.doc, 'pointermove', (e) => this.#move(e as PointerEvent), true);
  }

  #move(e: PointerEvent): void {
    if (!e.isTrusted || !this.ctx.setup) return;
    this.#out.push(joinKey('pointer', this.ctx.setup.me), { x: Math.round(e.pageX), y: Math.round(e.pageY) });
    if (this.#stroke) this.#extend(e);
  }

  setPeople(list: ParticipantInfo[]): void {
    this.#people.clear();
    for (const p of list) this.#people.set(p.id, p);
    for (const [id, el] of this.#pointers) {
      if (!this.#people.has(id)) {
        el.remove();
        this.#pointers.delete(id);
      } else this.#paintPointer(el, id);
    }
  }

  #paintPointer(el: HTMLElement, id: string): void {
    const p = this.#people.get(id);
    const color = p?.color ?? '#2563eb';
    el.style.setProperty('--tandem-color', color);
    const label = el.lastElementChild as HTMLElement;
    label.textContent = p?.name ?? 'participant';
    label.style.background = color;
  }

  applyPointer(by: string, d: XY): void {
    let el = this.#pointers.get(by);
    if (!el || !el.isConnected) {
      el = this.ctx.doc.createElement('div');
      el.setAttribute('data-tandem', 'pointer');
      el.setAttribute('class', OVERLAY_CLASS);
      el.setAttribute('data-tandem-participant', by);
      el.setAttribute('aria-hidden', 'true');
      el.style.cssText = `position:absolute;left:0;top:0;z-index:${TOP_Z};pointer-events:none;transition:transform 60ms linear;margin:0;padding:0`;
      const arrow = this.ctx.doc.createElementNS(SVG, 'svg');
      arrow.setAttribute('width', '16');
      arrow.setAttribute('height', '20');
      arrow.setAttribute('viewBox', '0 0 16 20');
      const path = this.ctx.doc.createElementNS(SVG, 'path');
      path.setAttribute('d', 'M0 0L0 16L4.5 12L8 19.5L10.5 18.5L7 11.5L13 11.5Z');
      path.setAttribute('fill', 'var(--tandem-color)');
      path.setAttribute('stroke', 'white');
      arrow.appendChild(path);
      const label = this.ctx.doc.createElement('span');
      label.style.cssText =
        'position:absolute;left:14px;top:16px;font:12px/1.4 system-ui,sans-serif;color:#fff;padding:1px 5px;border-radius:3px;white-space:nowrap';
      el.append(arrow, label);
      this.ctx.doc.documentElement.appendChild(el);
      this.#pointers.set(by, el);
      this.#paintPointer(el, by);
    }
    el.style.transform = `translate(${d.x}px,${d.y}px)`;
    el.dataset.x = String(d.x);
    el.dataset.y = String(d.y);
  }

  #layer(): SVGSVGElement {
    const doc = this.ctx.doc;
    if (this.#ink && this.#ink.isConnected) return this.#ink;
    const svg = doc.createElementNS(SVG, 'svg');
    svg.setAttribute('data-tandem', 'ink');
    svg.setAttribute('class', OVERLAY_CLASS);
    svg.setAttribute('aria-hidden', 'true');
    svg.style.cssText = `position:absolute;left:0;top:0;z-index:${TOP_Z};overflow:visible;touch-action:none`;
    doc.documentElement.appendChild(svg);
    this.#ink = svg;
    this.ctx.listen(svg, 'pointerdown', (e) => this.#begin(e as PointerEvent));
    this.ctx.listen(svg, 'pointerup', () => this.#end());
    this.ctx.listen(svg, 'pointercancel', () => this.#end());
    this.#fit();
    return svg;
  }

  #fit(): void {
    const svg = this.#ink;
    if (!svg) return;
    const root = this.ctx.doc.documentElement;
    svg.setAttribute('width', String(Math.max(root.scrollWidth, this.ctx.win.innerWidth)));
    svg.setAttribute('height', String(Math.max(root.scrollHeight, this.ctx.win.innerHeight)));
    svg.style.pointerEvents = this.#drawing ? 'auto' : 'none';
    svg.style.cursor = this.#drawing ? 'crosshair' : '';
  }

  setDrawing(on: boolean): void {
    this.#drawing = on;
    if (on || this.#ink) this.#layer();
    this.#fit();
    if (!on) this.#end();
  }

  #begin(e: PointerEvent): void {
    if (!e.isTrusted || !this.#drawing || !this.ctx.setup) return;
    e.preventDefault();
    this.#end();
    const id = Date.now().toString(36) + Math.random().toString(36).slice(2, 5);
    const path = this.#path(this.ctx.setup.color);
    this.#stroke = { id, chunk: 0, points: [[Math.round(e.pageX), Math.round(e.pageY)]], sent: 0, path, timer: 0 };
    this.#draw(path, this.#stroke.points);
    try {
      (e.target as Element).setPointerCapture(e.pointerId);
    } catch {
      /* ignore */
    }
  }

  #extend(e: PointerEvent): void {
    const s = this.#stroke!;
    s.points.push([Math.round(e.pageX), Math.round(e.pageY)]);
    this.#draw(s.path, s.points);
    if (!s.timer) s.timer = native.setTimeout(() => this.#flush(), 1000 / OPS.ink.rateHz);
  }

  #flush(): void {
    const s = this.#stroke;
    if (!s || !this.ctx.setup) return;
    native.clearTimeout(s.timer);
    s.timer = 0;
    // Each chunk repeats the previous chunk's last point so the pieces join up.
    const from = Math.max(0, s.sent - 1);
    if (s.points.length <= s.sent) return;
    const points = s.points.slice(from, from + 1000);
    s.sent = from + points.length;
    this.ctx.send(joinKey('ink', this.ctx.setup.me, `${s.id}.${s.chunk++}`), 'ink', { points, color: this.ctx.setup.color });
  }

  #end(): void {
    if (!this.#stroke) return;
    this.#flush();
    this.#stroke = null;
  }

  #path(color: string): SVGPathElement {
    const p = this.ctx.doc.createElementNS(SVG, 'path');
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke', /^#[0-9a-fA-F]{3,8}$/.test(color) ? color : '#e11d48');
    p.setAttribute('stroke-width', '3');
    p.setAttribute('stroke-linecap', 'round');
    p.setAttribute('stroke-linejoin', 'round');
    this.#layer().appendChild(p);
    return p;
  }

  #draw(p: SVGPathElement, points: number[][]): void {
    p.setAttribute('d', points.map((pt, i) => `${i ? 'L' : 'M'}${pt[0]} ${pt[1]}`).join(''));
  }

  applyInk(key: string, d: { points: number[][]; color: string }): void {
    const id = splitKey(key).slice(1).join('/');
    const layer = this.#layer();
    let p = Array.from(layer.children).find((c) => c.getAttribute('data-k') === id) as SVGPathElement | undefined;
    if (!p) {
      p = this.#path(d.color);
      p.setAttribute('data-k', id);
    }
    this.#draw(p, d.points);
    this.#fit();
  }

  clearInk(): void {
    this.#end();
    if (this.#ink) this.#ink.replaceChildren();
  }
}
