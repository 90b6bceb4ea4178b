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
import { Tokens } from '../../../gateway/hub/tokens.js';
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

function participant(context: BrowserContext, page: Page, base: string): Participant {
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
