/**
 * Shared e2e helpers for co-browsing: an environment (fixture origin, gateway or replicas,
 * one Chromium), a customer who opens a page and calls, and operators who join the session.
 * Everything asserted is read from what a participant's browser shows.
 */

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { launchChromium } from '../../helpers/browser.js';
import { startTestGateway, spawnGateway, TEST_SECRET, type GatewayProcess, type TestGateway } from '../../helpers/gateway.js';
import { startRedis, type RedisServer } from '../../helpers/redis.js';
import { startSharingOrigin, type SharingOrigin } from '../../fixtures/origins/sharing-pages.js';
import { hashPassword } from '../../../gateway/sessions/operators.js';
import { Tokens } from '../../../gateway/identity/tokens.js';
import type { LoggedCommand } from '../../../protocol/messages.js';

export const OPERATOR_PASSWORD = 'operator-pass-1';

export interface Tap {
  teardown(fn: () => unknown): void;
}

export interface SharingEnv {
  origin: SharingOrigin;
  /** A second origin, allowed (TANDEM_ALLOW), when asked for. */
  second: SharingOrigin | null;
  browser: Browser;
  /** Gateway base URLs: one, or two replicas sharing Redis. */
  urls: string[];
  inProcess: TestGateway | null;
  replicas: GatewayProcess[];
  redis: RedisServer | null;
  operatorsFile: string;
}

export interface EnvOptions {
  env?: Record<string, string>;
  /** Two gateway processes sharing one real Redis. */
  replicas?: boolean;
  operators?: string[];
  /** Start a second origin and allow it. */
  second?: boolean;
}

export async function startSharingEnv(t: Tap, opts: EnvOptions = {}): Promise<SharingEnv> {
  const origin = await startSharingOrigin();
  t.teardown(() => origin.close());
  const dir = mkdtempSync(join(tmpdir(), 'tandem-e2e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const operatorsFile = join(dir, 'operators.jsonl');
  const records = await Promise.all((opts.operators ?? ['alice', 'bob']).map((n) => hashPassword(n, OPERATOR_PASSWORD)));
  writeFileSync(operatorsFile, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const second = opts.second ? await startSharingOrigin() : null;
  if (second) t.teardown(() => second.close());
  const env: Record<string, string> = {
    TANDEM_ORIGIN: origin.url,
    TANDEM_OPERATORS: operatorsFile,
    ...(second ? { TANDEM_ALLOW: second.url } : {}),
    ...opts.env,
  };
  let inProcess: TestGateway | null = null;
  const replicas: GatewayProcess[] = [];
  let redis: RedisServer | null = null;
  let urls: string[];
  if (opts.replicas) {
    redis = await startRedis();
    t.teardown(() => redis!.close());
    for (let i = 0; i < 2; i++) {
      const g = await spawnGateway({ ...env, TANDEM_REDIS_URL: redis.url });
      replicas.push(g);
      t.teardown(() => g.stop());
    }
    urls = replicas.map((g) => g.url);
  } else {
    inProcess = await startTestGateway(env);
    t.teardown(() => inProcess!.close());
    urls = [inProcess.url];
  }
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  return { origin, second, browser, urls, inProcess, replicas, redis, operatorsFile };
}

export interface Participant {
  context: BrowserContext;
  page: Page;
  base: string;
  /** The content frame (the page being shared). */
  content(): Frame;
  /** A frame below the content frame, by its path (`top/1`). */
  frame(path: string): Frame;
}

/**
 * What each open participant's browser did lately (navigations, slow or failed requests, console
 * errors): given with a failed step, since a failure seen only in CI must say what happened.
 */
const recentEvents = new Map<Page, string[]>();

function watch(page: Page): void {
  const events: string[] = [];
  recentEvents.set(page, events);
  const t0 = Date.now();
  const note = (s: string): void => {
    events.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${s}`);
    if (events.length > 24) events.shift();
  };
  const started = new WeakMap<object, number>();
  page.on('framenavigated', (f) => note(`nav ${f === page.mainFrame() ? 'main' : f.name() || 'child'} ${f.url()}`));
  page.on('pageerror', (e) => note(`pageerror ${e.message.slice(0, 120)}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') note(`console.${m.type()} ${m.text().slice(0, 120)}`);
  });
  page.on('request', (r) => started.set(r, Date.now()));
  page.on('requestfailed', (r) => note(`failed ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('requestfinished', (r) => {
    const ms = Date.now() - (started.get(r) ?? Date.now());
    if (ms > 1000) note(`slow ${ms}ms ${r.method()} ${r.url()}`);
  });
  page.on('close', () => recentEvents.delete(page));
}

/** Each open participant's frames (with their readyState) and recent events, for a failure. */
async function diagnose(): Promise<string> {
  const out: string[] = [];
  for (const [page, events] of recentEvents) {
    const frames = await Promise.all(
      page.frames().map(async (f) => {
        const state = await Promise.race([
          f.evaluate(() => document.readyState).catch((e: Error) => `(${e.message.slice(0, 40)})`),
          new Promise<string>((r) => setTimeout(() => r('(no answer in 2 s)'), 2000)),
        ]);
        return `${f.url()} [${state}]`;
      }),
    );
    out.push(`${page.url()}\n  frames: ${frames.join(', ')}\n  ${events.join('\n  ')}`);
  }
  return out.join('\n');
}

function participant(context: BrowserContext, page: Page, base: string): Participant {
  watch(page);
  // The customer's content frame is named in the shell's markup; an operator's mirror frame is
  // made by the shell (its name set after creation, which Playwright does not see): it is the
  // shell's one child frame.
  const content = (): Frame => {
    const children = page.mainFrame().childFrames();
    const f = children.find((fr) => fr.name() === 'tandem-content') ?? (children.length === 1 ? children[0] : undefined);
    if (!f) throw new Error('no content frame');
    return f;
  };
  return {
    context,
    page,
    base,
    content,
    frame(path: string) {
      let f = content();
      for (const seg of path.split('/').slice(1)) f = f.childFrames()[Number(seg) - 1];
      return f;
    },
  };
}

/** A customer's tab on `path`, waiting until the content frame's hooks are up. */
export async function openCustomer(
  env: SharingEnv,
  path = '/',
  opts: { base?: string; viewport?: { width: number; height: number } } = {},
): Promise<Participant> {
  const base = opts.base ?? env.urls[0];
  const context = await env.browser.newContext({ viewport: opts.viewport ?? { width: 900, height: 700 } });
  const page = await context.newPage();
  await page.goto(base + path);
  const p = participant(context, page, base);
  await p.content().waitForLoadState('domcontentloaded');
  return p;
}

export interface Call {
  id: string;
  code: string;
}

/** Presses Call operator and waits for the code. */
export async function callOperator(customer: Participant): Promise<Call> {
  await customer.page.click('[data-tandem="connect"]');
  await customer.page.waitForFunction(() => /^\d{6}$/.test(document.querySelector('[data-tandem="code"]')?.textContent ?? ''));
  const r = await customer.page.request.get(`${customer.base}/__tandem/api/session`);
  if (!r.ok()) throw new Error(`GET /__tandem/api/session: ${r.status()} ${await r.text()}`);
  const s = (await r.json()) as { id: string; code: string };
  return { id: s.id, code: s.code };
}

async function login(context: BrowserContext, base: string, name: string): Promise<string> {
  const r = await context.request.post(`${base}/__tandem/api/login`, { data: { name, password: OPERATOR_PASSWORD } });
  if (!r.ok()) throw new Error(`login ${name}: ${r.status()} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/** An operator who logs in and opens the session URL (on `base`, another replica if wanted). */
export async function openOperator(
  env: SharingEnv,
  call: Call,
  opts: { name?: string; base?: string; viewport?: { width: number; height: number } } = {},
): Promise<Participant> {
  const base = opts.base ?? env.urls[0];
  const name = opts.name ?? 'alice';
  const context = await env.browser.newContext({ viewport: opts.viewport ?? { width: 1200, height: 800 } });
  await login(context, base, name);
  const page = await context.newPage();
  await page.goto(`${base}/__tandem/s/${call.id}`);
  return participant(context, page, base);
}

export async function statusOf(p: Participant): Promise<string> {
  return (await p.page.textContent('[data-tandem="status"]')) ?? '';
}

export async function waitForStatus(p: Participant, status: string, timeout = 10_000): Promise<void> {
  await p.page.waitForFunction((s) => document.querySelector('[data-tandem="status"]')?.textContent === s, status, { timeout });
}

/** Polls `fn` until it returns a truthy value or time runs out (then throws with the last value). */
export async function eventually<T>(fn: () => Promise<T>, what: string, timeout = 10_000): Promise<T> {
  const until = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/**
 * The path (and query, hash) of the page the participant's toolbar shows (`data-tandem="address"`):
 * the customer's content page, as the customer's browser has it, on every side.
 */
export async function contentPath(p: Participant): Promise<string> {
  return p.page.inputValue('[data-tandem="address"]');
}

/** The session's log as the API exports it (an operator's login). */
export async function sessionLog(env: SharingEnv, call: Call, base = env.urls[0]): Promise<LoggedCommand[]> {
  const ctx = await env.browser.newContext();
  try {
    await login(ctx, base, 'alice');
    const r = await ctx.request.get(`${base}/__tandem/api/sessions/${call.id}/log`);
    if (!r.ok()) throw new Error(`log: ${r.status()} ${await r.text()}`);
    const text = await r.text();
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as LoggedCommand);
  } finally {
    await ctx.close();
  }
}

/** Hub tokens as the gateway would sign them (tests and the bench share the test secret). */
export const testTokens = new Tokens(TEST_SECRET);

/** Moves the real mouse to a point of the content frame given in its own CSS pixels. */
export async function mouseTo(p: Participant, x: number, y: number): Promise<void> {
  const box = (await p.page.$eval('[data-tandem="content"]', (f) => {
    const r = f.getBoundingClientRect();
    return { left: r.left, top: r.top, scale: Number((f as HTMLElement).dataset.scale ?? 1) || 1 };
  })) as { left: number; top: number; scale: number };
  await p.page.mouse.move(box.left + x * box.scale, box.top + y * box.scale, { steps: 4 });
}

export const pointerOf = (f: Frame, id: string) =>
  f.evaluate((pid) => {
    const el = document.querySelector(`[data-tandem="pointer"][data-tandem-participant="${pid}"]`) as HTMLElement | null;
    return el ? { x: Number(el.dataset.x), y: Number(el.dataset.y), label: el.textContent } : null;
  }, id);

export const participantId = (p: Participant, role: string) =>
  p.page.$eval(`[data-tandem="participants"] [data-role="${role}"]`, (el) => (el as HTMLElement).dataset.tandemParticipant!);

// ---- the mirror -------------------------------------------------------------------------------

/**
 * What a person sees of a document (or of the part under `selector`): its visible text, whitespace
 * collapsed, and the state of every field in order. Tandem's own layer (pointers, ink, masked
 * markers) and what never shows (scripts, styles) are left out, so the customer's page and an
 * operator's mirror of it compare equal when they look the same.
 */
export interface SeenState {
  title: string;
  text: string;
  fields: string[];
}

export function seenState(f: Frame, selector = 'body', opts: { skipMasked?: boolean } = {}): Promise<SeenState> {
  return f.evaluate(
    ([sel, skipMasked]) => {
      const root = document.querySelector(sel as string);
      if (!root) return { title: document.title, text: '<none>', fields: [] };
      const hidden = 'script,style,noscript,template,textarea,[data-tandem],.tandem-overlay';
      const parts: string[] = [];
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const p = n.parentElement;
        if (p && p.closest(hidden)) continue;
        parts.push(n.nodeValue ?? '');
      }
      const fields: string[] = [];
      for (const el of Array.from(root.querySelectorAll('input,textarea,select'))) {
        if (el.closest('[data-tandem],.tandem-overlay')) continue;
        const name = el.id || (el as HTMLInputElement).name || el.localName;
        const masked =
          el.hasAttribute('data-tandem-masked') ||
          el.closest('[data-tandem-mask]') !== null ||
          (el as HTMLInputElement).type === 'password' ||
          /cc-|password/.test(el.getAttribute('autocomplete') ?? '');
        if (skipMasked && masked) continue;
        if (el.localName === 'select')
          fields.push(`${name}=${Array.from((el as HTMLSelectElement).selectedOptions, (o) => o.value).join('|')}`);
        else if ((el as HTMLInputElement).type === 'checkbox' || (el as HTMLInputElement).type === 'radio')
          fields.push(`${name}=${(el as HTMLInputElement).checked ? 'on' : 'off'}`);
        else fields.push(`${name}=${(el as HTMLInputElement).value}`);
      }
      return { title: document.title, text: parts.join(' ').replace(/\s+/g, ' ').trim(), fields };
    },
    [selector, !!opts.skipMasked] as const,
  );
}

/**
 * Waits until the operator's mirror shows what the customer's page shows (title, visible text
 * and every field's value under `selector`), and returns that state.
 */
export async function sameDocument(
  customer: Participant,
  operator: Participant,
  selector = 'body',
  opts: { skipMasked?: boolean; timeout?: number; customerFrame?: () => Frame; operatorFrame?: () => Frame } = {},
): Promise<SeenState> {
  let last: [SeenState, SeenState] | null = null;
  try {
    return (await eventually<SeenState | null>(
      async () => {
        const c = await seenState(opts.customerFrame ? opts.customerFrame() : customer.content(), selector, opts);
        const o = await seenState(opts.operatorFrame ? opts.operatorFrame() : operator.content(), selector, opts);
        last = [c, o];
        return JSON.stringify(c) === JSON.stringify(o) ? c : null;
      },
      `the mirror to equal the customer page (${selector})`,
      opts.timeout ?? 10_000,
    )) as SeenState;
  } catch (err) {
    throw new Error(`${(err as Error).message}\ncustomer: ${JSON.stringify(last?.[0])}\nmirror:   ${JSON.stringify(last?.[1])}`);
  }
}

/** Waits until the participant's content frame (an operator's mirror) has `selector`. */
export async function waitForContent(p: Participant, selector: string, timeout = 15_000): Promise<void> {
  await eventually(
    async () =>
      (await p
        .content()
        .$(selector)
        .catch(() => null)) !== null,
    `${selector} in the content frame`,
    timeout,
  );
}

/** Types an address into the toolbar and presses Enter, as a person would. */
export async function typeAddress(p: Participant, path: string): Promise<void> {
  const sel = '[data-tandem="address"]';
  await p.page.click(sel, { clickCount: 3 });
  await p.page.keyboard.press('Control+A');
  await p.page.keyboard.type(path);
  await p.page.keyboard.press('Enter');
}

/** A field's value in a frame (the customer's page or a mirror). */
export const valueOf = (f: Frame, sel: string): Promise<string> => f.$eval(sel, (el) => (el as HTMLInputElement).value);
export const checkedOf = (f: Frame, sel: string): Promise<boolean> => f.$eval(sel, (el) => (el as HTMLInputElement).checked);

/** The frame an element (an `iframe`) of `page` shows. */
export async function frameOf(page: Page, selector: string): Promise<Frame> {
  const handle = await page.waitForSelector(selector, { state: 'attached' });
  const f = await handle.contentFrame();
  if (!f) throw new Error(`${selector} has no frame`);
  return f;
}

/**
 * Node ids of the latest recorded snapshot of the top page, from the session's log: what an
 * operator's action names (the element with the given `id` attribute).
 */
export function recordedNodeId(log: readonly { op: string; d: unknown }[], elementId: string): { sid: string; id: number } | null {
  let sid = '';
  let parts: string[] = [];
  let text: string | null = null;
  for (const c of log) {
    if (c.op !== 'snapshot') continue;
    const d = c.d as { sid: string; i: number; n: number; part: string };
    if (d.i === 0) {
      sid = d.sid;
      parts = [];
    }
    if (d.sid !== sid) continue;
    parts[d.i] = d.part;
    if (parts.filter((x) => typeof x === 'string').length === d.n) text = parts.join('');
  }
  if (!text) return null;
  type Node = { id: number; attributes?: Record<string, unknown>; childNodes?: Node[] };
  const events = JSON.parse(text) as { type: number; data: { node?: Node } }[];
  const full = events.find((e) => e.type === 2);
  const stack: Node[] = full?.data.node ? [full.data.node] : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.attributes?.id === elementId) return { sid, id: n.id };
    if (n.childNodes) stack.push(...n.childNodes);
  }
  return null;
}

/** Whether `fn` returns a truthy value before time runs out: for assertions that let the test go on. */
export async function soon(fn: () => Promise<unknown>, timeout = 10_000): Promise<boolean> {
  try {
    await eventually(fn, 'a condition', timeout);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `fn` returns `want` (compared as JSON); the error names the last value seen. */
export async function until<T>(fn: () => Promise<T>, want: T, what: string, timeout = 10_000): Promise<void> {
  const until = Date.now() + timeout;
  const w = JSON.stringify(want);
  let last = '';
  for (;;) {
    try {
      const v = JSON.stringify(await fn());
      if (v === w) return;
      last = v;
    } catch (err) {
      last = (err as Error).message.split('\n')[0];
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: want ${w}, last ${last}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/**
 * One step of a scenario: its own assertions say what held; an error fails it by name, and the
 * scenario goes on (later steps say whether they still hold).
 */
export async function step(
  t: { fail(m: string, extra: { browsers: string }): unknown },
  name: string,
  fn: () => Promise<unknown>,
): Promise<boolean> {
  try {
    // The step's own assertions record what held; a step records only its failure here.
    await fn();
    return true;
  } catch (err) {
    const message = String((err as Error)?.message ?? err)
      .split('\n')
      .slice(0, 4)
      .join(' | ');
    // What the browsers did lately goes with the failure (tap prints it under the line).
    t.fail(`${name}: ${message}`, { browsers: await diagnose().catch((e: Error) => e.message) });
    return false;
  }
}
