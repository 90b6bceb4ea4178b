/**
 * e2e helpers for the real-apps suite: a third-party app behind its counting server, the gateway
 * in front of it, one Chromium; a comparison of the customer's page with an operator's mirror
 * (visible text, title, scroll, field values, the DOM of a region); and an operator's input on
 * the mirror with the real mouse and keyboard, as a person at the console would act.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launchChromium } from '../../helpers/browser.js';
import { startTestGateway } from '../../helpers/gateway.js';
import { hashPassword } from '../../../gateway/sessions/operators.js';
import type { RealApp } from '../../real-apps/apps.js';
import { OPERATOR_PASSWORD, type Participant, type SharingEnv, type Tap } from './sharing.js';

export interface RealEnv extends SharingEnv {
  app: RealApp;
}

/** Starts the app (behind its counting server), a gateway whose origin is that server, and Chromium. */
export async function startRealEnv<A extends RealApp>(
  t: Tap,
  start: () => Promise<A>,
  env: Record<string, string> = {},
): Promise<RealEnv & { app: A }> {
  const app = await start();
  t.teardown(() => app.close());
  const dir = mkdtempSync(join(tmpdir(), 'tandem-real-e2e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const operatorsFile = join(dir, 'operators.jsonl');
  const records = await Promise.all(['alice', 'bob'].map((n) => hashPassword(n, OPERATOR_PASSWORD)));
  writeFileSync(operatorsFile, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const gateway = await startTestGateway({ TANDEM_ORIGIN: app.front.url, TANDEM_OPERATORS: operatorsFile, ...env });
  t.teardown(() => gateway.close());
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  return {
    app,
    origin: { url: app.front.url, counters: app.front.counters, close: () => app.close() },
    second: null,
    browser,
    urls: [gateway.url],
    inProcess: gateway,
    replicas: [],
    redis: null,
    operatorsFile,
  };
}

/** What a participant sees of the shared page. */
export interface PageState {
  title: string;
  /** The body's innerText, a line per visible line, whitespace collapsed; Tandem's own layers left out. */
  text: string[];
  scroll: [number, number];
  /** Every field but the masked ones, in document order: `tag[name]=value`. */
  values: string[];
  /** The region's DOM as a canonical outline (tags, attributes, text), when a region was asked for. */
  region: string | null;
}

/**
 * Reads a document's state. Runs in the browser from its source text (so it can read a document
 * where no script may run: the mirror, through the operator's shell), hence no outside names.
 */
function readState(doc: Document, regionSel: string | null): PageState {
  // Left out of the outline: URLs (the mirror loads them through the gateway), live field state
  // (compared as values), target and autocomplete (the mirror opens no tab and never autofills).
  const SKIP_ATTRS = new Set(
    'href src srcset action formaction poster xlink:href background target value checked selected autocomplete'.split(' '),
  );
  const masked = (el: Element): boolean => {
    const ac = (el.getAttribute('autocomplete') ?? '').toLowerCase();
    return (
      (el as HTMLInputElement).type === 'password' ||
      /\b(cc-number|cc-csc|cc-exp|current-password|new-password)\b/.test(ac) ||
      el.closest('[data-tandem-mask]') !== null
    );
  };
  const ours = (el: Element): boolean => el.closest('[data-tandem]') !== null;
  const lines = (s: string): string[] =>
    s
      .split('\n')
      .map((l) => l.replace(/\s+/g, ' ').trim())
      .filter((l) => l !== '');
  const body = doc.body;
  let text = body ? lines(body.innerText) : [];
  for (const el of Array.from(doc.querySelectorAll('[data-tandem]'))) {
    if (el.parentElement?.closest('[data-tandem]')) continue;
    for (const l of lines((el as HTMLElement).innerText ?? '')) {
      const i = text.indexOf(l);
      if (i >= 0) text = text.slice(0, i).concat(text.slice(i + 1));
    }
  }
  const values: string[] = [];
  for (const el of Array.from(doc.querySelectorAll('input, textarea, select'))) {
    if (ours(el) || masked(el)) continue;
    const f = el as HTMLInputElement;
    const tag = el.tagName.toLowerCase();
    const name = el.getAttribute('name') ?? el.getAttribute('id') ?? '';
    let v: string;
    if (tag === 'select') v = Array.from((el as HTMLSelectElement).selectedOptions, (o) => o.value).join(',');
    else if (f.type === 'checkbox' || f.type === 'radio') v = f.checked ? 'on' : 'off';
    else v = f.value;
    values.push(`${tag}[${name}]=${v}`);
  }
  const outline = (n: Node, depth: number, out: string[]): void => {
    if (n.nodeType === 3) {
      const s = (n.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (s) out.push(`${' '.repeat(depth)}"${s}"`);
      return;
    }
    if (n.nodeType !== 1) return;
    const el = n as Element;
    const tag = el.tagName.toLowerCase();
    if (tag === 'script' || tag === 'noscript' || tag === 'template' || el.hasAttribute('data-tandem')) return;
    if (masked(el)) {
      out.push(`${' '.repeat(depth)}<${tag} id="${el.id}" name="${el.getAttribute('name') ?? ''}" masked>`);
      return;
    }
    const attrs = Array.from(el.attributes)
      .filter((a) => !SKIP_ATTRS.has(a.name) && !a.name.startsWith('on') && !a.name.startsWith('data-tandem') && !a.name.startsWith('rr_'))
      .map(
        (a) =>
          `${a.name}="${a.value
            .replace(/url\([^)]*\)/g, 'url()')
            .replace(/\s+/g, ' ')
            .trim()}"`,
      )
      .sort();
    out.push(`${' '.repeat(depth)}<${tag}${attrs.length ? ' ' + attrs.join(' ') : ''}>`);
    // A stylesheet's text is compared by its effect (the visible text), not as written: the
    // recording carries the browser's serialization of its rules.
    if (tag === 'style') return;
    for (const c of Array.from(el.childNodes)) outline(c, depth + 1, out);
  };
  let region: string | null = null;
  if (regionSel) {
    const el = doc.querySelector(regionSel);
    const out: string[] = [];
    if (el) outline(el, 0, out);
    region = el ? out.join('\n') : `(no ${regionSel})`;
  }
  const win = doc.defaultView;
  return { title: doc.title, text, scroll: [Math.round(win?.scrollX ?? 0), Math.round(win?.scrollY ?? 0)], values, region };
}

const READ = readState.toString();

/** The customer's page, read in its content frame. */
export async function customerState(customer: Participant, region: string | null = null): Promise<PageState> {
  return (await customer.content().evaluate(`(${READ})(document, ${JSON.stringify(region)})`)) as PageState;
}

/** The operator's mirror: the document of `[data-tandem="content"]`, read through the shell. */
export async function mirrorState(operator: Participant, region: string | null = null): Promise<PageState> {
  return (await operator.page.evaluate(
    `(() => {
      const f = document.querySelector('[data-tandem="content"]');
      const doc = f && f.contentDocument;
      if (!doc) throw new Error('the content frame has no readable document');
      return (${READ})(doc, ${JSON.stringify(region)});
    })()`,
  )) as PageState;
}

export interface MatchTap extends Tap {
  same(found: unknown, wanted: unknown, message: string): unknown;
}

/**
 * Whether the operator's mirror equals the customer's page: polls until they agree (or time
 * runs out), then asserts the two states equal, so a failure shows the difference.
 */
/**
 * The mirror's scroll counts as the customer's within 2 px (as the sharing tests allow): the two
 * browsers round a fractional scroll position each their own way.
 */
function closeScroll<T>(o: T, c: PageState): T {
  const m = o as Partial<PageState> | null;
  if (!m || !Array.isArray(m.scroll)) return o;
  const near = m.scroll.every((v, i) => Math.abs(v - c.scroll[i]) <= 2);
  return near ? ({ ...m, scroll: c.scroll } as T) : o;
}

export async function mirrorMatches(
  t: MatchTap,
  customer: Participant,
  operator: Participant,
  what: string,
  opts: { region?: string; timeout?: number } = {},
): Promise<boolean> {
  const region = opts.region ?? null;
  const until = Date.now() + (opts.timeout ?? 10_000);
  let c: PageState | null = null;
  let o: PageState | { error: string } | null = null;
  for (;;) {
    c = await customerState(customer, region);
    try {
      o = await mirrorState(operator, region);
    } catch (err) {
      o = { error: (err as Error).message };
    }
    o = closeScroll(o, c);
    if (JSON.stringify(c) === JSON.stringify(o) || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.same(o, c, `${what}: the mirror equals the customer's page`);
  const same = JSON.stringify(c) === JSON.stringify(o);
  // For a person looking into a failure: both sides' screens, where TANDEM_REAL_SHOTS names a folder.
  const shots = process.env.TANDEM_REAL_SHOTS;
  if (!same && shots) {
    const name = what.replace(/[^a-z0-9]+/gi, '-');
    await customer.page.screenshot({ path: join(shots, `${name}.customer.png`) }).catch(() => {});
    await operator.page.screenshot({ path: join(shots, `${name}.operator.png`) }).catch(() => {});
  }
  return same;
}

/** Where an element of the mirror is on the operator's screen (its centre, or a point in it). */
export async function mirrorPoint(
  operator: Participant,
  selector: string,
  at?: { x: number; y: number },
): Promise<{ x: number; y: number }> {
  const p = (await operator.page.evaluate(
    ([sel, at]) => {
      const f = document.querySelector('[data-tandem="content"]') as HTMLIFrameElement | null;
      const doc = f?.contentDocument;
      const el = doc?.querySelector(sel as string);
      if (!f || !el) return null;
      const fr = f.getBoundingClientRect();
      const scale = f.clientWidth ? fr.width / f.offsetWidth : 1;
      const r = el.getBoundingClientRect();
      const pt = at as { x: number; y: number } | null;
      const x = r.left + (pt ? pt.x : r.width / 2);
      const y = r.top + (pt ? pt.y : r.height / 2);
      return { x: fr.left + (f.clientLeft + x) * scale, y: fr.top + (f.clientTop + y) * scale };
    },
    [selector, at ?? null] as const,
  )) as { x: number; y: number } | null;
  if (!p) throw new Error(`no ${selector} in the operator's mirror`);
  return p;
}

/** Waits until the mirror has an element matching `selector`. */
export async function waitInMirror(operator: Participant, selector: string, timeout = 15_000): Promise<void> {
  await operator.page.waitForFunction(
    (sel) => !!(document.querySelector('[data-tandem="content"]') as HTMLIFrameElement | null)?.contentDocument?.querySelector(sel),
    selector,
    {
      timeout,
    },
  );
}

/**
 * Where an element of the mirror stands against the mirror's viewport: negative when above it,
 * positive when below, 0 when in view.
 */
async function offView(operator: Participant, selector: string): Promise<number> {
  return operator.page.evaluate((sel) => {
    const f = document.querySelector('[data-tandem="content"]') as HTMLIFrameElement | null;
    const el = f?.contentDocument?.querySelector(sel);
    if (!f || !el) return 0;
    const r = el.getBoundingClientRect();
    const h = f.clientHeight;
    if (r.top >= 0 && r.bottom <= h) return 0;
    return r.top < 0 ? r.top - h / 3 : r.bottom - (2 * h) / 3;
  }, selector);
}

/**
 * The operator scrolls the mirror with the mouse wheel until the element is in view; the
 * customer's page scrolls and the mirror follows it.
 */
export async function opScrollTo(operator: Participant, selector: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const off = await offView(operator, selector);
    if (off === 0) return;
    const box = await operator.page.$eval('[data-tandem="content"]', (f) => f.getBoundingClientRect().toJSON() as DOMRect);
    await operator.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await operator.page.mouse.wheel(0, Math.max(-500, Math.min(500, off)));
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the operator could not scroll ${selector} into view in the mirror`);
}

/** The operator clicks an element of the mirror with the real mouse (scrolling to it first, as a person would). */
export async function opClick(
  operator: Participant,
  selector: string,
  opts: { at?: { x: number; y: number }; clickCount?: number } = {},
): Promise<void> {
  await waitInMirror(operator, selector);
  // As a person would: scroll to it, and click once it stands still (the customer's page
  // scrolls after the mirror and its echo may move the mirror again; on a loaded machine later).
  let p = { x: NaN, y: NaN };
  for (let tries = 0; tries < 20; tries++) {
    await opScrollTo(operator, selector);
    const before = await mirrorPoint(operator, selector, opts.at);
    await new Promise((r) => setTimeout(r, 150));
    p = await mirrorPoint(operator, selector, opts.at);
    if (p.x === before.x && p.y === before.y && (await offView(operator, selector)) === 0) break;
  }
  await operator.page.mouse.click(p.x, p.y, { clickCount: opts.clickCount ?? 1 });
}

/**
 * The operator drags from one element of the mirror to another (or to a point of it): a press,
 * ten moves with the button held, a release. Sent as the browser's own input through CDP:
 * Playwright's mouse, with a button held, waits for a drag it looks for by running script in
 * every frame, and stalls on a frame where no script may run (the mirror).
 */
export async function opDrag(operator: Participant, from: string, to: string, at?: { x: number; y: number }): Promise<void> {
  const a = await mirrorPoint(operator, from);
  const b = await mirrorPoint(operator, to, at);
  const cdp = await operator.context.newCDPSession(operator.page);
  try {
    const send = (type: 'mouseMoved' | 'mousePressed' | 'mouseReleased', x: number, y: number, buttons: number) =>
      cdp.send('Input.dispatchMouseEvent', {
        type,
        x,
        y,
        button: type === 'mouseMoved' && !buttons ? 'none' : 'left',
        buttons,
        clickCount: 1,
      });
    await send('mouseMoved', a.x, a.y, 0);
    await send('mousePressed', a.x, a.y, 1);
    for (let i = 1; i <= 10; i++) await send('mouseMoved', a.x + ((b.x - a.x) * i) / 10, a.y + ((b.y - a.y) * i) / 10, 1);
    await send('mouseReleased', b.x, b.y, 0);
  } finally {
    await cdp.detach();
  }
}

/** The operator types on the keyboard (into whatever the mirror has focused). */
export async function opType(operator: Participant, text: string): Promise<void> {
  await operator.page.keyboard.type(text, { delay: 15 });
}

export async function opPress(operator: Participant, key: string): Promise<void> {
  await operator.page.keyboard.press(key);
}

/** Lets late requests arrive, then asserts the side-effecting requests, each exactly once. */
export async function sideEffectsAre(t: MatchTap, app: RealApp, wanted: string[], what: string, settleMs = 600): Promise<void> {
  await new Promise((r) => setTimeout(r, settleMs));
  t.same(app.front.sideEffects, wanted, `${what}: every side-effecting request arrived exactly once`);
}

/** The customer drags, with the real mouse, from one element of the page to another (or a point of it). */
export async function customerDrag(customer: Participant, from: string, to: string, at?: { x: number; y: number }): Promise<void> {
  const c = customer.content();
  const a = await c.locator(from).first().boundingBox();
  const b = await c.locator(to).first().boundingBox();
  if (!a || !b) throw new Error(`no box for ${a ? to : from}`);
  const bx = b.x + (at ? at.x : b.width / 2);
  const by = b.y + (at ? at.y : b.height / 2);
  const mouse = customer.page.mouse;
  await mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await mouse.down();
  await mouse.move((a.x + a.width / 2 + bx) / 2, (a.y + a.height / 2 + by) / 2, { steps: 5 });
  await mouse.move(bx, by, { steps: 5 });
  await mouse.up();
}

export interface OkTap {
  ok(value: unknown, message: string): unknown;
}

/**
 * Polls `fn` until it holds or time runs out, and asserts that it held (the test goes on either
 * way, so one failed step still lets the later ones report).
 */
export async function until(t: OkTap, fn: () => Promise<unknown>, what: string, timeout = 10_000): Promise<boolean> {
  const end = Date.now() + timeout;
  let ok = false;
  for (;;) {
    try {
      ok = !!(await fn());
    } catch {
      ok = false;
    }
    if (ok || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(ok, what);
  return ok;
}
