/**
 * Co-browsing latency and cost, in Chromium through a real gateway on loopback:
 *
 *   input, scroll, click, nav: from the customer's action to the operator's page showing it.
 *     Both ends are stamped in the pages with performance.timeOrigin + performance.now() (one
 *     machine, one clock shared by every page): the customer's keydown / scrollTo / click event,
 *     and the operator's page getting the value, the scroll position, the replayed click, or
 *     the new page's DOMContentLoaded. "Showing" is the DOM update, before the next paint.
 *     Baselines measured side by side: for input/scroll/click, one command relayed by the hub
 *     between two Node WebSocket clients of another session (the floor the browsers add to);
 *     for nav, the customer's own load of the same page (DOMContentLoaded).
 *   late join: a session with 2,000 logged commands; from the operator opening the session
 *     URL to its content frame showing the final state (test process observing the page).
 *     Baseline: a plain load of the same page through the gateway in a fresh tab.
 *   hooks size: dist/inject/hooks.js gzipped (level 9), against the 30 KB budget.
 *   page-load overhead: the demo site's pages, DOMContentLoaded and load of the page through
 *     the gateway (the content frame's own navigation timing) vs the origin directly.
 *
 *   npm run build && node dist/bench/sync.js [--samples 50]
 */

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { Frame, Page } from 'playwright-core';
import { startDemoSite } from '../demo/site.js';
import { startTestGateway } from '../test/helpers/gateway.js';
import { HubClient } from '../test/helpers/hub-client.js';
import {
  callOperator,
  eventually,
  openCustomer,
  openOperator,
  startSharingEnv,
  testTokens,
  waitForStatus,
} from '../test/e2e/helpers/sharing.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SAMPLES = arg('samples', 50);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const med = (xs: number[]): number => pct(xs, 50);
const ms = (n: number): string => `${n.toFixed(1)} ms`;
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
const NOW = '(performance.timeOrigin + performance.now())';

function row(name: string, xs: number[], base: number[], target: string): void {
  console.log(
    `${name.padEnd(8)} p50 ${ms(med(xs)).padStart(9)}  p99 ${ms(pct(xs, 99)).padStart(9)}   baseline p50 ${ms(med(base)).padStart(8)} p99 ${ms(pct(base, 99)).padStart(8)}   ratio p50 ${(med(xs) / med(base)).toFixed(2)}x   (${target})`,
  );
}

/** Installs a recorder in a page: `__tandemBench` collects [label, time] pairs. */
async function recorder(f: Frame, script: string): Promise<void> {
  await f.evaluate(`(() => { window.__tandemBench = []; const rec = (l) => window.__tandemBench.push([l, ${NOW}]); ${script} })()`);
}
const records = (f: Frame): Promise<[string, number][]> => f.evaluate('window.__tandemBench') as Promise<[string, number][]>;

async function hubBaseline(base: string, n: number): Promise<number[]> {
  const r = await fetch(`${base}/__tandem/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const s = (await r.json()) as { id: string; token: string };
  const a = await HubClient.connect(base, s.token);
  const b = await HubClient.connect(base, testTokens.hub(s.id, 'o-bench', 'operator', 'bench', 600_000));
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const seen = b.commands().length;
      const t0 = performance.now();
      a.send({ k: 'top/form/0/q', op: 'input', d: { value: `v${i}` } });
      await b.until(() => b.commands().length > seen, 'relay');
      out.push(performance.now() - t0);
      await sleep(10);
    }
  } finally {
    await a.close();
    await b.close();
  }
  return out;
}

async function main(): Promise<void> {
  const cleanup: (() => unknown)[] = [];
  const t = { teardown: (fn: () => unknown) => void cleanup.push(fn) };
  try {
    const env = await startSharingEnv(t);
    const base = env.urls[0];
    const customer = await openCustomer(env, '/fields', { viewport: { width: 900, height: 700 } });
    const call = await callOperator(customer);
    const operator = await openOperator(env, call, { viewport: { width: 1000, height: 800 } });
    await waitForStatus(customer, 'connected');
    const c = customer.content();
    const o = () => operator.content();
    await eventually(async () => (await o().$('#text')) !== null, 'operator on /fields');
    await o().waitForLoadState('load');
    console.log(`# Tandem co-browsing sync, Chromium, in-process gateway on loopback, ${SAMPLES} samples per op\n`);

    const relay = await hubBaseline(base, SAMPLES);

    // Input: one keystroke at a time.
    await recorder(c, `document.getElementById('text').addEventListener('keydown', () => rec('k'), true);`);
    await recorder(o(), `const el = document.getElementById('text'); el.addEventListener('input', () => rec(el.value));`);
    await c.click('#text');
    let typed = '';
    for (let i = 0; i < SAMPLES; i++) {
      const ch = String.fromCharCode(97 + (i % 26));
      typed += ch;
      await customer.page.keyboard.press(ch);
      await eventually(async () => (await records(o())).some(([v]) => v === typed), 'keystroke applied');
    }
    const keys = (await records(c)).map((r) => r[1]);
    const applied = await records(o());
    const input = keys.map((t0, i) => applied.find(([v]) => v.length === i + 1)![1] - t0);

    // Scroll of the window.
    await recorder(o(), `addEventListener('scroll', () => rec(String(Math.round(scrollY))));`);
    const scroll: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const y = 100 + (i % 2) * 400 + i;
      const t0 = (await c.evaluate(`(() => { const t = ${NOW}; scrollTo(0, ${y}); return t; })()`)) as number;
      const hit = await eventually(async () => (await records(o())).find(([v]) => Math.abs(Number(v) - y) <= 2), 'scroll applied');
      scroll.push(hit![1] - t0);
      await recorder(o(), `addEventListener('scroll', () => rec(String(Math.round(scrollY))));`);
      await sleep(60);
    }
    await c.evaluate('scrollTo(0, 0)');
    await sleep(200);

    // Click on a button with a handler (the JS counter).
    await recorder(c, `document.getElementById('count').addEventListener('click', () => rec('c'), true);`);
    await recorder(o(), `document.getElementById('count').addEventListener('click', () => rec('c'));`);
    const click: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      await c.click('#count');
      await eventually(async () => (await records(o())).length > i, 'click replayed');
    }
    const cs = await records(c);
    const os = await records(o());
    for (let i = 0; i < SAMPLES; i++) click.push(os[i][1] - cs[i][1]);
    const counters = [await c.textContent('#counter'), await o().textContent('#counter')];

    // Navigation.
    const nav: number[] = [];
    const ownLoad: number[] = [];
    const dcl = `(() => { const e = performance.getEntriesByType('navigation')[0]; return performance.timeOrigin + e.domContentLoadedEventStart; })()`;
    const navs = Math.max(10, Math.round(SAMPLES / 2));
    for (let i = 0; i < navs; i++) {
      const path = `/two?x=${i}`;
      const t0 = (await c.evaluate(`(() => { const t = ${NOW}; location.href = ${JSON.stringify(path)}; return t; })()`)) as number;
      await eventually(
        async () => o().url().endsWith(path) && (await o().evaluate('document.readyState')) !== 'loading',
        'operator navigated',
      );
      await eventually(async () => c.url().endsWith(path) && (await c.evaluate('document.readyState')) !== 'loading', 'customer navigated');
      nav.push(((await o().evaluate(dcl)) as number) - t0);
      ownLoad.push(((await c.evaluate(dcl)) as number) - t0);
      await sleep(50);
    }

    console.log('## customer action → operator page shows it');
    row('input', input, relay, 'target p50 ≤ 30 ms, p99 ≤ 100 ms; baseline: hub relay between two Node clients');
    row('scroll', scroll, relay, 'same targets and baseline');
    row('click', click, relay, `same targets and baseline; counters ${counters.join(' = ')}`);
    row('nav', nav, ownLoad, "baseline: the customer's own load of the page (DOMContentLoaded)");

    // Late join into a session with 2,000 logged commands.
    await c.evaluate(`location.href = '/fields'`);
    await eventually(
      async () =>
        (await o()
          .$('#text')
          .catch(() => null)) !== null && o().url().endsWith('/fields'),
      'both on /fields',
    );
    const app = env.inProcess!.running.app;
    const head = (await app.store.log.meta(call.id))!.head;
    const keysToFill = ['top/form/0/text', 'top/form/0/area', 'top/form/0/email', 'top/scroll/%23box', 'top/scroll'];
    for (let i = head; i < 2000; i++) {
      const k = keysToFill[i % keysToFill.length];
      const d = k.includes('scroll') ? { x: 0, y: (i % 300) + (k === 'top/scroll' ? 500 : 0) } : { value: `${k.split('/').pop()} ${i}` };
      await app.store.log.append(call.id, { k, op: k.includes('scroll') ? 'scroll' : 'input', a: 'others', d, by: 'o-bench' });
    }
    const snapshot = await app.store.log.snapshot(call.id);
    const want = Object.fromEntries(snapshot.commands.map((x) => [x.k, x.d]));
    const logged = (await app.store.log.meta(call.id))!.head;
    const late: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ctx = await env.browser.newContext({ viewport: { width: 1000, height: 800 } });
      await ctx.request.post(`${base}/__tandem/api/login`, { data: { name: 'bob', password: 'operator-pass-1' } });
      const page: Page = await ctx.newPage();
      const t0 = performance.now();
      await page.goto(`${base}/__tandem/s/${call.id}`);
      await eventually(
        async () => {
          const f = page.frames().find((fr) => fr.name() === 'tandem-content');
          if (!f) return false;
          return f.evaluate(
            (w) => {
              const v = (id: string) => (document.getElementById(id) as HTMLInputElement | null)?.value;
              return (
                v('text') === w.text &&
                v('area') === w.area &&
                v('email') === w.email &&
                Math.abs((document.getElementById('box')?.scrollTop ?? -1) - w.box) <= 2 &&
                Math.abs(scrollY - w.win) <= 2
              );
            },
            {
              text: (want['top/form/0/text'] as { value: string }).value,
              area: (want['top/form/0/area'] as { value: string }).value,
              email: (want['top/form/0/email'] as { value: string }).value,
              box: (want['top/scroll/%23box'] as { y: number }).y,
              win: (want['top/scroll'] as { y: number }).y,
            },
          );
        },
        'late joiner in sync',
        20_000,
      );
      late.push(performance.now() - t0);
      await ctx.close();
      const ctx2 = await env.browser.newContext({ viewport: { width: 1000, height: 800 } });
      const p2 = await ctx2.newPage();
      const t1 = performance.now();
      await p2.goto(`${base}/fields`);
      await eventually(async () => {
        const f = p2.frames().find((fr) => fr.name() === 'tandem-content');
        return !!f && (await f.evaluate('document.readyState').catch(() => 'loading')) !== 'loading' && (await f.$('#text')) !== null;
      }, 'plain load');
      plain.push(performance.now() - t1);
      await ctx2.close();
    }
    console.log(`\n## late joiner, session with ${logged} logged commands (${snapshot.commands.length} in the compacted state)`);
    row('late', late, plain, 'target ≤ 1 s; baseline: a plain load of the page through the gateway in a fresh tab');

    // Hooks bundle size.
    const hooks = readFileSync(fileURLToPath(new URL('../inject/hooks.js', import.meta.url)));
    const gz = gzipSync(hooks, { level: 9 }).length;
    console.log(
      `\n## hooks bundle: ${hooks.length} B raw, ${gz} B gzipped = ${(gz / 1024).toFixed(1)} KB (${((gz / (30 * 1024)) * 100).toFixed(0)} % of the 30 KB budget)`,
    );

    await pageLoad(env.browser);
  } finally {
    for (const fn of cleanup.reverse()) {
      try {
        await fn();
      } catch {
        /* best effort */
      }
    }
  }
}

async function pageLoad(browser: import('playwright-core').Browser): Promise<void> {
  const demo = await startDemoSite();
  const gw = await startTestGateway({ TANDEM_ORIGIN: demo.url });
  try {
    const pages = ['/', '/rates', '/help', '/savings', '/cards', '/loans', '/login'];
    const rounds = 8;
    const timing = `(() => { const e = performance.getEntriesByType('navigation')[0]; return [e.domContentLoadedEventEnd - e.startTime, e.loadEventEnd - e.startTime]; })()`;
    const direct: { dcl: number[]; load: number[] } = { dcl: [], load: [] };
    const via: { dcl: number[]; load: number[] } = { dcl: [], load: [] };
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    for (let r = 0; r < rounds + 1; r++) {
      for (const p of pages) {
        await page.goto(demo.url + p, { waitUntil: 'load' });
        const [d1, l1] = (await page.evaluate(timing)) as number[];
        await page.goto(gw.url + p, { waitUntil: 'load' });
        const f = page.frames().find((fr) => fr.name() === 'tandem-content')!;
        await f.waitForLoadState('load');
        const [d2, l2] = (await eventually(async () => {
          const v = (await f.evaluate(timing)) as number[];
          return v[1] > 0 ? v : null;
        }, 'content load'))!;
        if (r === 0) continue; // warm-up
        direct.dcl.push(d1);
        direct.load.push(l1);
        via.dcl.push(d2);
        via.load.push(l2);
      }
    }
    await ctx.close();
    console.log(`\n## page-load overhead, demo site, ${pages.length} pages × ${rounds} rounds (medians; target ≤ 15 %)`);
    for (const k of ['dcl', 'load'] as const) {
      const a = med(direct[k]);
      const b = med(via[k]);
      console.log(
        `${k === 'dcl' ? 'DOMContentLoaded' : 'load'.padEnd(16)}  origin ${ms(a)}  gateway ${ms(b)}  ratio ${(b / a).toFixed(2)}x  overhead ${(((b - a) / a) * 100).toFixed(0)} %  (+${ms(b - a)})`,
      );
    }
  } finally {
    await gw.close();
    await demo.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
