/**
 * The rig of bench/sync: a gateway as its own process (memory store) in front of an origin, the
 * operators file it logs in from, Node-RED (the real-apps suite's installed copy) for the
 * recorder's cost, and the customer's and operators' tabs, each in its own browser context so
 * each has its own renderer process as two people's browsers would.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { spawnGateway, type GatewayProcess } from '../test/helpers/gateway.js';
import { freePort } from '../test/helpers/redis.js';
import { hashPassword } from '../gateway/sessions/operators.js';
import { realAppsDir } from '../test/real-apps/install.js';
import { FIXTURES } from '../test/real-apps/apps.js';
import { OPERATOR_PASSWORD } from '../test/e2e/helpers/sharing.js';
import { shellProbe } from './sync-probe.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every `every` ms until it returns a truthy value; throws after `timeout` ms. */
export async function until<T>(fn: () => Promise<T>, what: string, timeout = 20_000, every = 5): Promise<T> {
  const end = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(every);
  }
}

export interface Gateway {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/** A gateway process in front of `origin`, with operators alice and bob. */
export async function startGateway(origin: string): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-sync-'));
  const operators = join(dir, 'operators.jsonl');
  const records = await Promise.all(['alice', 'bob'].map((n) => hashPassword(n, OPERATOR_PASSWORD)));
  writeFileSync(operators, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  let gw: GatewayProcess;
  try {
    // TANDEM_BENCH_GATEWAY_NODE_OPTIONS (say `--require ./profile.cjs`): where the gateway's time goes.
    const nodeOptions = process.env.TANDEM_BENCH_GATEWAY_NODE_OPTIONS;
    gw = await spawnGateway({ TANDEM_ORIGIN: origin, TANDEM_OPERATORS: operators, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: gw.url,
    pid: gw.proc.pid!,
    async close() {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU time (user + system) of a process so far, in ms, from /proc (Linux). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** The customer's content frame, or an operator's mirror (the shell's one child frame). */
  content(): Frame;
  close(): Promise<void>;
}

function tab(context: BrowserContext, page: Page): Tab {
  return {
    context,
    page,
    content() {
      const kids = page.mainFrame().childFrames();
      const f = kids.find((fr) => fr.name() === 'tandem-content') ?? (kids.length === 1 ? kids[0] : undefined);
      if (!f) throw new Error('no content frame');
      return f;
    },
    close: () => context.close(),
  };
}

/** A customer's tab on `path`; `probe`: with the shell's timing probe (sync-probe.ts). */
export async function openCustomer(
  browser: Browser,
  base: string,
  path: string,
  opts: { viewport?: { width: number; height: number }; probe?: boolean } = {},
): Promise<Tab> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1000, height: 760 } });
  const page = await context.newPage();
  if (opts.probe) await page.addInitScript(shellProbe);
  await page.goto(base + path);
  const t = tab(context, page);
  await until(async () => (await t.content().evaluate('document.readyState')) !== 'loading', 'customer content loaded');
  return t;
}

/** Presses Call operator; returns the session id. */
export async function call(customer: Tab, base: string): Promise<string> {
  await customer.page.click('[data-tandem="connect"]');
  await customer.page.waitForFunction(() => /^\d{6}$/.test(document.querySelector('[data-tandem="code"]')?.textContent ?? ''));
  const r = await customer.page.request.get(`${base}/__tandem/api/session`);
  if (!r.ok()) throw new Error(`GET /__tandem/api/session: ${r.status()}`);
  return ((await r.json()) as { id: string }).id;
}

/** An operator's context, logged in, with the timing probe; `open` navigates to the session. */
export async function operatorContext(browser: Browser, base: string, name = 'alice', viewport = { width: 1200, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const r = await context.request.post(`${base}/__tandem/api/login`, { data: { name, password: OPERATOR_PASSWORD } });
  if (!r.ok()) throw new Error(`login ${name}: ${r.status()}`);
  const page = await context.newPage();
  await page.addInitScript(shellProbe);
  return {
    tab: tab(context, page),
    open: (session: string) => page.goto(`${base}/__tandem/s/${session}`),
  };
}

export async function openOperator(browser: Browser, base: string, session: string, name = 'alice'): Promise<Tab> {
  const o = await operatorContext(browser, base, name);
  await o.open(session);
  return o.tab;
}

/** Node-RED from the real-apps suite's cache, with its seeded flow; null when it is not installed. */
export async function startNodeRed(): Promise<{ url: string; close(): Promise<void> } | null> {
  const cache = realAppsDir();
  if (!existsSync(join(cache, '.complete'))) return null;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-node-red-'));
  writeFileSync(join(dir, 'flows.json'), readFileSync(join(FIXTURES, 'node-red/flows.json')));
  writeFileSync(join(dir, 'settings.cjs'), readFileSync(join(FIXTURES, 'node-red/settings.cjs')));
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [join(cache, 'node_modules/node-red/red.js'), '--port', String(port), '--userDir', dir, '--settings', join(dir, 'settings.cjs')],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => (await fetch(url).catch(() => null))?.ok, 'Node-RED up', 60_000, 200);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, close };
}
