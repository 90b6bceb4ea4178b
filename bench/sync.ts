/**
 * The mirror's latency and cost, in Chromium through a real gateway (its own process, memory
 * store) on loopback: one customer context that runs the page and records it, one operator
 * context whose shell rebuilds it in the mirror. Times are stamped in the pages with
 * performance.timeOrigin + performance.now() (one browser, one clock; the skew between the two
 * pages is printed) and given as percentiles over many samples; every figure is printed with its
 * target and with a baseline measured side by side in the same run.
 *
 *   1. customer → mirror: the customer's keydown / click / scrollTo, until the mirror's field
 *      value / text / scroll position shows it (checked in the operator's shell right after each
 *      hub message is handled, see sync-probe.ts). Baseline: one command relayed by the hub
 *      between two Node WebSocket clients of another session.
 *   2. operator → customer → mirror: a click on the counter button in the mirror, and typing in
 *      the mirror into a field whose handler writes what is typed into the page, until the
 *      mirror shows the page's answer; with the two legs. Baseline: the hub relay there and back.
 *   3. late joiner: a 1 MB page whose log holds a snapshot and 2,000 changes, each its own logged
 *      batch, from the joiner opening the session
 *      URL until its mirror equals the customer's page. Baselines: a plain load of the same page in a fresh
 *      tab, through the gateway and directly.
 *   4. hub frames' bytes per second, customer up and operator down, idle, typing and scrolling;
 *      snapshot JSON sizes raw, gzipped and brotli'd (the hub sends frames uncompressed).
 *   5. the recorder's main-thread time in the customer's renderer (CDP Performance.getMetrics
 *      TaskDuration, ScriptDuration) during the same scripted activity on Node-RED's editor (the
 *      heaviest real app installed by the real-apps suite; the bench's 1 MB page if missing),
 *      with a session vs without one, rounds taking turns.
 *   6. page-load overhead: DOMContentLoaded through the gateway vs the origin directly.
 *   7. the hooks and shell bundles, gzipped and brotli'd.
 *
 *   npx tsc -b && node scripts/bundle.mjs && node dist/bench/sync.js [--samples 60] [--late 3] [--rounds 3] [--only 1,2,…]
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/browser.js';
import { HubClient } from '../test/helpers/hub-client.js';
import { startDemoSite } from '../demo/site.js';
import { startBenchOrigin } from './sync-pages.js';
import { customerProbe, type Watch } from './sync-probe.js';
import { heavyActivity, nodeRedActivity } from './sync-activity.js';
import {
  call,
  cpuMs,
  openCustomer,
  openOperator,
  operatorContext,
  sleep,
  startGateway,
  startNodeRed,
  until,
  type Gateway,
  type Tab,
} from './sync-env.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SAMPLES = arg('samples', 60);
const LATE = arg('late', 3);
const ROUNDS = arg('rounds', 3);
const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? new Set(process.argv[i + 1].split(',').map(Number)) : null;
})();
const part = (n: number): boolean => !ONLY || ONLY.has(n);

// ---- figures ------------------------------------------------------------------------------

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const p50 = (xs: number[]): number => pct(xs, 50);
const p99 = (xs: number[]): number => pct(xs, 99);
const f1 = (n: number): string => n.toFixed(1);
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
const mark = (ok: boolean): string => (ok ? '✔' : '✘');

/** The lines of the summary printed at the end. */
const summary: string[] = [];

function latency(name: string, all: number[], base: number[], baseName: string, target?: [number, number]): void {
  const xs = all.filter((x) => !Number.isNaN(x));
  const lost = all.length - xs.length;
  const ok = target ? p50(xs) <= target[0] && p99(xs) <= target[1] : true;
  const t = target ? `target p50 ≤ ${target[0]}, p99 ≤ ${target[1]} ms ${mark(ok)}` : '';
  const line = `${name.padEnd(34)} p50 ${f1(p50(xs)).padStart(6)}  p90 ${f1(pct(xs, 90)).padStart(6)}  p99 ${f1(p99(xs)).padStart(6)} ms  (n=${xs.length}${lost ? `, ${lost} lost` : ''})   ${baseName} p50 ${f1(p50(base))} p99 ${f1(p99(base))} ms = ${(p50(xs) / p50(base)).toFixed(1)}×   ${t}`;
  console.log(line);
  if (target) summary.push(`${name}: p50 ${f1(p50(xs))} / p99 ${f1(p99(xs))} ms; ${baseName} p50 ${f1(p50(base))} ms; ${t}`);
}

const NOW = 'performance.timeOrigin + performance.now()';
const jitter = (): Promise<void> => sleep(60 + Math.random() * 100);

// ---- the operator's probe -----------------------------------------------------------------

async function watch(op: Page, w: Watch): Promise<void> {
  await op.evaluate((x) => window.__bench!.watch(x), w);
}

/** When the watch `name` was met in the operator's shell; NaN if it was not within `timeout` (a lost sample). */
async function stampOf(op: Page, name: string, timeout = 10_000): Promise<number> {
  try {
    const h = await op.waitForFunction((n) => window.__bench?.stamps[n], name, { polling: 10, timeout });
    return (await h.jsonValue()) as number;
  } catch {
    return NaN;
  }
}

const opInputs = (op: Page, kind: string): Promise<number[]> =>
  op.evaluate((k) => window.__bench!.inputs.filter((x) => x[0] === k).map((x) => x[1]), kind);

type CustomerStamps = { keys: number[]; clicks: number[]; echo: number[] };
const customerStamps = (f: Frame): Promise<CustomerStamps> =>
  f.evaluate(() => (window as unknown as { __benchC: CustomerStamps }).__benchC);

interface Wire {
  sends: [number, string][];
  recvs: [number, string][];
}
const wire = (p: Page): Promise<Wire> => p.evaluate(() => ({ sends: window.__bench!.sends, recvs: window.__bench!.recvs }));

/**
 * Where the time of each sample goes: from the action to the sender's shell sending the hub frame
 * (op `sendOp`), from there to the receiver's shell getting it, and from there to the result.
 */
function legs(t0: number[], t3: number[], from: Wire, to: Wire, sendOp: string): void {
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < t0.length; i++) {
    if (!Number.isFinite(t0[i]) || !Number.isFinite(t3[i])) continue;
    const sent = from.sends.find(([t, op]) => t >= t0[i] && op === sendOp)?.[0];
    const got = sent === undefined ? undefined : to.recvs.find(([t, op]) => t >= sent && op === sendOp)?.[0];
    if (sent === undefined || got === undefined || got > t3[i]) continue;
    a.push(sent - t0[i]);
    b.push(got - sent);
    c.push(t3[i] - got);
  }
  const q = (xs: number[]): string => `${f1(p50(xs))} / ${f1(p99(xs))}`;
  console.log(
    `${' '.repeat(4)}where it goes (p50 / p99 ms, n=${a.length}): action → '${sendOp}' frame sent ${q(a)};  sent → arrived (hub) ${q(b)};  arrived → shown ${q(c)}`,
  );
}

/** Median of (Date.now() − shared clock) in a page: the difference between two pages is their skew. */
async function clockOffset(p: Page | Frame): Promise<number> {
  const xs = (await p.evaluate(
    `(() => { const o = []; for (let i = 0; i < 200; i++) o.push(Date.now() - (${NOW})); return o; })()`,
  )) as number[];
  return p50(xs);
}

// ---- the hub's floor ----------------------------------------------------------------------

/** One-way relay and there-and-back through the hub between two Node clients of a fresh session. */
async function hubFloor(base: string, n: number): Promise<{ oneWay: number[]; roundTrip: number[] }> {
  const r = await fetch(`${base}/__tandem/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const s = (await r.json()) as { id: string; token: string; code: string };
  const { testTokens } = await import('../test/e2e/helpers/sharing.js');
  const a = await HubClient.connect(base, s.token);
  const b = await HubClient.connect(base, testTokens.hub(s.id, 'o-bench', 'operator', 'alice', 600_000));
  const oneWay: number[] = [];
  const roundTrip: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const seenB = b.commands().length;
      const seenA = a.commands().length;
      const t0 = performance.now();
      a.send({ k: `top/dom/bench/${i}`, op: 'dom', d: { sid: 'bench', i: 0, n: 1, part: `[{"i":${i}}]` } });
      await b.until(() => b.commands().length > seenB, 'relay');
      oneWay.push(performance.now() - t0);
      b.send({ k: 'top/pointer/o-bench', op: 'pointer', d: { x: i, y: i } });
      await a.until(() => a.commands().length > seenA, 'relay back');
      roundTrip.push(performance.now() - t0);
      await sleep(20);
    }
  } finally {
    await a.close();
    await b.close();
  }
  return { oneWay, roundTrip };
}

// ---- hub frames ---------------------------------------------------------------------------

interface Traffic {
  up: number;
  upFrames: number;
  down: number;
  downFrames: number;
}

function countFrames(page: Page): Traffic {
  const t: Traffic = { up: 0, upFrames: 0, down: 0, downFrames: 0 };
  const size = (p: string | Buffer): number => (typeof p === 'string' ? Buffer.byteLength(p) : p.length);
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/__tandem/hub')) return;
    ws.on('framesent', (f) => {
      t.up += size(f.payload);
      t.upFrames++;
    });
    ws.on('framereceived', (f) => {
      t.down += size(f.payload);
      t.downFrames++;
    });
  });
  return t;
}

interface LoggedCmd {
  op: string;
  k: string;
  d: { sid?: string; i?: number; n?: number; part?: string };
}

async function sessionLog(op: Tab, base: string, session: string): Promise<LoggedCmd[]> {
  const r = await op.context.request.get(`${base}/__tandem/api/sessions/${session}/log`);
  if (!r.ok()) throw new Error(`log: ${r.status()}`);
  return (await r.text())
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LoggedCmd);
}

/** The latest complete snapshot's JSON in a log, and the change batches and events logged after it. */
function lastSnapshot(log: LoggedCmd[]): { json: string; changes: number; events: number } | null {
  let best: { json: string; changes: number; events: number; sid: string } | null = null;
  const parts = new Map<string, string[]>();
  let batch: string[] = [];
  for (const c of log) {
    if (c.op === 'dom' && best && c.d.sid === best.sid) {
      if (c.d.i === 0) batch = [];
      batch.push(c.d.part!);
      if (c.d.i === c.d.n! - 1) {
        best.changes++;
        best.events += (JSON.parse(batch.join('')) as unknown[]).length;
      }
    }
    if (c.op !== 'snapshot' || !c.d.sid) continue;
    const p: string[] = parts.get(c.d.sid) ?? [];
    p[c.d.i!] = c.d.part!;
    parts.set(c.d.sid, p);
    if (p.filter((x) => typeof x === 'string').length === c.d.n) best = { json: p.join(''), changes: 0, events: 0, sid: c.d.sid };
  }
  return best;
}

function sizes(json: string): string {
  const raw = Buffer.from(json);
  const gz = gzipSync(raw, { level: 6 }).length;
  const br = brotliCompressSync(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }).length;
  const br11 = brotliCompressSync(raw).length;
  return `${kb(raw.length)} raw, gzip-6 ${kb(gz)} (${((gz / raw.length) * 100).toFixed(0)} %), brotli-5 ${kb(br)}, brotli-11 ${kb(br11)} (${((br11 / raw.length) * 100).toFixed(0)} %)`;
}

// ---- 1, 2, 4: a live session on /live ------------------------------------------------------

async function liveSession(browser: Browser, gw: Gateway): Promise<void> {
  const base = gw.url;
  const customer = await openCustomer(browser, base, '/live', { probe: true });
  const up = countFrames(customer.page);
  const session = await call(customer, base);
  const o = await operatorContext(browser, base);
  const down = countFrames(o.tab.page);
  await o.open(session);
  const op = o.tab.page;
  await until(async () => (await o.tab.content().$('#counter')) !== null, "the operator's mirror", 30_000, 50);
  const c = customer.content();
  await c.evaluate(customerProbe);
  const skew = (await clockOffset(c)) - (await clockOffset(op));
  console.log(`clock: customer page vs operator shell, (Date.now − shared clock) differs by ${skew.toFixed(2)} ms`);
  const floor = await hubFloor(base, SAMPLES);
  const cpu0 = cpuMs(gw.pid);
  const wall0 = performance.now();

  if (part(1)) {
    console.log(`\n## 1. customer action → the operator's mirror shows it (${SAMPLES} samples each)`);
    // Typing: the customer's keydown until the mirror's field has the value.
    await c.click('#text');
    const before = (await customerStamps(c)).keys.length;
    let typed = '';
    const names: string[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      typed += String.fromCharCode(97 + (i % 26));
      names.push(`type${i}`);
      await watch(op, { name: names[i], kind: 'value', sel: '#text', want: typed });
      await customer.page.keyboard.press(typed.at(-1)!);
      await stampOf(op, names[i]);
      await jitter();
    }
    const keys = (await customerStamps(c)).keys.slice(before);
    const seen = (await op.evaluate(() => window.__bench!.stamps)) as Record<string, number>;
    const typing = names.map((n, i) => seen[n] - keys[i]);
    latency('typing (keydown → value)', typing, floor.oneWay, 'hub relay', [30, 100]);
    const [cw, ow] = [await wire(customer.page), await wire(op)];
    legs(
      keys,
      names.map((n) => seen[n]),
      cw,
      ow,
      'dom',
    );

    // A click that changes text.
    const clicks0 = (await customerStamps(c)).clicks.length;
    for (let i = 0; i < SAMPLES; i++) {
      await watch(op, { name: `click${i}`, kind: 'text', sel: '#counter', want: String(i + 1) });
      await c.click('#count');
      await stampOf(op, `click${i}`);
      await jitter();
    }
    const cClicks = (await customerStamps(c)).clicks.slice(clicks0);
    const seen2 = (await op.evaluate(() => window.__bench!.stamps)) as Record<string, number>;
    const shown = cClicks.map((_, i) => seen2[`click${i}`]);
    latency(
      'click (click → text)',
      cClicks.map((t, i) => shown[i] - t),
      floor.oneWay,
      'hub relay',
      [30, 100],
    );
    legs(cClicks, shown, await wire(customer.page), await wire(op), 'dom');

    // Scroll of the window.
    const scroll: [number, number][] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const y = 300 + (i % 2) * 1500 + i;
      await watch(op, { name: `scroll${i}`, kind: 'scrollY', sel: '', want: y });
      const t0 = (await c.evaluate(`(() => { const t = ${NOW}; scrollTo(0, ${y}); return t; })()`)) as number;
      scroll.push([t0, await stampOf(op, `scroll${i}`)]);
      await jitter();
    }
    latency(
      'scroll (scrollTo → scrollY)',
      scroll.map(([a, b]) => b - a),
      floor.oneWay,
      'hub relay',
      [30, 100],
    );
    legs(
      scroll.map((x) => x[0]),
      scroll.map((x) => x[1]),
      await wire(customer.page),
      await wire(op),
      'dom',
    );
    // And of an element.
    const box: [number, number][] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const y = 100 + (i % 2) * 900 + i;
      await watch(op, { name: `box${i}`, kind: 'scrollTop', sel: '#box', want: y });
      const t0 = (await c.evaluate(`(() => { const t = ${NOW}; document.getElementById('box').scrollTop = ${y}; return t; })()`)) as number;
      box.push([t0, await stampOf(op, `box${i}`)]);
      await jitter();
    }
    latency(
      'scroll of a box (scrollTop)',
      box.map(([a, b]) => b - a),
      floor.oneWay,
      'hub relay',
      [30, 100],
    );
    legs(
      box.map((x) => x[0]),
      box.map((x) => x[1]),
      await wire(customer.page),
      await wire(op),
      'dom',
    );
  }

  if (part(2)) {
    console.log(
      `\n## 2. operator action in the mirror → the customer's page does it → the mirror shows the result (${SAMPLES} samples each)`,
    );
    await c.evaluate('scrollTo(0, 0)');
    await watch(op, { name: 'top', kind: 'scrollY', sel: '', want: 0 });
    await stampOf(op, 'top');
    const oc = (): Frame => o.tab.content();
    const start = Number(await c.textContent('#counter'));
    const clicks0 = (await customerStamps(c)).clicks.length;
    const opClicks0 = (await opInputs(op, 'click')).length;
    for (let i = 0; i < SAMPLES; i++) {
      await watch(op, { name: `opclick${i}`, kind: 'text', sel: '#counter', want: String(start + i + 1) });
      await oc().click('#count');
      await stampOf(op, `opclick${i}`);
      await jitter();
    }
    const opClicks = (await opInputs(op, 'click')).slice(opClicks0);
    const cClicks = (await customerStamps(c)).clicks.slice(clicks0);
    const seen = (await op.evaluate(() => window.__bench!.stamps)) as Record<string, number>;
    const roundClick = opClicks.map((t, i) => seen[`opclick${i}`] - t);
    latency('click → counter in the mirror', roundClick, floor.roundTrip, 'hub there and back', [60, 150]);
    latency(
      '  leg: click → customer page clicked',
      cClicks.map((t, i) => t - opClicks[i]),
      floor.oneWay,
      'hub relay',
    );
    legs(opClicks, cClicks, await wire(op), await wire(customer.page), 'act');
    latency(
      '  leg: customer page → mirror',
      cClicks.map((t, i) => seen[`opclick${i}`] - t),
      floor.oneWay,
      'hub relay',
    );
    legs(
      cClicks,
      opClicks.map((_, i) => seen[`opclick${i}`]),
      await wire(customer.page),
      await wire(op),
      'dom',
    );

    // Typing in the mirror into #echo: the page writes what it gets into #echo-out.
    const focusEcho = async (): Promise<void> => {
      await oc().click('#echo');
      await until(async () => (await c.evaluate('document.activeElement?.id')) === 'echo', "the customer's focus on #echo", 10_000, 20);
      await until(async () => (await oc().evaluate('document.activeElement?.id')) === 'echo', "the mirror's focus on #echo", 10_000, 20);
      await sleep(500);
    };
    await focusEcho();
    let typed = await c.inputValue('#echo');
    const opKeys: number[] = [];
    const cEcho: number[] = [];
    const shownAt: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const want = typed + String.fromCharCode(97 + (i % 26));
      await watch(op, { name: `optype${i}`, kind: 'text', sel: '#echo-out', want });
      await op.keyboard.press(want.at(-1)!);
      const shown = await stampOf(op, `optype${i}`);
      if (Number.isNaN(shown)) {
        // A key that went astray: go on from what the customer's field holds.
        opKeys.push(NaN);
        cEcho.push(NaN);
        shownAt.push(NaN);
        typed = await c.inputValue('#echo');
        await focusEcho();
        continue;
      }
      typed = want;
      opKeys.push((await opInputs(op, 'key')).at(-1)!);
      cEcho.push((await customerStamps(c)).echo.at(-1)!);
      shownAt.push(shown);
      await jitter();
    }
    latency(
      'typing → page echo in the mirror',
      opKeys.map((t, i) => shownAt[i] - t),
      floor.roundTrip,
      'hub there and back',
      [60, 150],
    );
    latency(
      '  leg: key → customer field input',
      cEcho.map((t, i) => t - opKeys[i]),
      floor.oneWay,
      'hub relay',
    );
    const ok = (xs: number[]): number[] => xs.filter((_, i) => !Number.isNaN(shownAt[i]));
    legs(ok(opKeys), ok(cEcho), await wire(op), await wire(customer.page), 'act');
    legs(ok(cEcho), ok(shownAt), await wire(customer.page), await wire(op), 'dom');
    const typedOk = (await c.inputValue('#echo')) === typed;
    console.log(`  the customer's field holds exactly what was typed: ${typedOk}`);
  }
  const cpu = cpuMs(gw.pid) - cpu0;
  const wall = performance.now() - wall0;
  console.log(`\ngateway CPU during 1–2: ${f1(cpu)} ms over ${f1(wall / 1000)} s (${((cpu / wall) * 100).toFixed(1)} % of a core)`);

  if (part(4)) {
    console.log('\n## 4. hub frames (WebSocket payload bytes; the hub does not compress frames)');
    const window = async (label: string, act: (until: number) => Promise<void>, seconds = 10): Promise<void> => {
      const u0 = { ...up };
      const d0 = { ...down };
      const t0 = performance.now();
      await act(t0 + seconds * 1000);
      await sleep(200);
      const s = (performance.now() - t0) / 1000;
      const line = `${label.padEnd(44)} customer → hub ${f1((up.up - u0.up) / s / 1024).padStart(6)} KB/s (${f1((up.upFrames - u0.upFrames) / s)} frames/s)   hub → operator ${f1((down.down - d0.down) / s / 1024).padStart(6)} KB/s (${f1((down.downFrames - d0.downFrames) / s)} frames/s)`;
      console.log(line);
      summary.push(`bytes/s ${line.replace(/\s+/g, ' ')}`);
    };
    await c.click('#area');
    await window('idle, 5 s', (end) => sleep(end - performance.now()), 5);
    await window('typing 8 keys/s into a textarea, 10 s', async (end) => {
      for (let i = 0; performance.now() < end; i++) {
        await customer.page.keyboard.press(i % 40 === 39 ? 'Enter' : String.fromCharCode(97 + (i % 26)));
        await sleep(125);
      }
    });
    const box = (await customer.page.$('[data-tandem="content"], iframe[name="tandem-content"]'))!;
    const r = (await box.boundingBox())!;
    await customer.page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
    await window('scrolling the page with the wheel, 10 s', async (end) => {
      for (let i = 0; performance.now() < end; i++) {
        await customer.page.mouse.wheel(0, i % 40 < 20 ? 100 : -100);
        await sleep(50);
      }
    });
    const log = await sessionLog(o.tab, base, session);
    const snap = lastSnapshot(log);
    if (snap) console.log(`snapshot of /live: ${sizes(snap.json)}`);
    if (snap) summary.push(`snapshot /live ${sizes(snap.json)}`);
  }
  await o.tab.close();
  await customer.close();
}

// ---- 3: the late joiner ------------------------------------------------------------------------

/** With TANDEM_BENCH_TRACE=<file>, the first joiner's tab is traced: where its seconds go (TANDEM_BENCH_PROFILE=<file>: its script, sampled). */
// TANDEM_BENCH_RECORDER_PROFILE=<file>: part 5's first round with a session, its script sampled.
const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink', 'loading'];

async function lateJoiner(browser: Browser, gw: Gateway, origin: string): Promise<void> {
  const base = gw.url;
  // Each sample reloads the page (a fresh snapshot), then makes 2,000 changes, one a task: each
  // is its own recorded event and logged batch. The recorder's checkpoint waits until changes
  // outweigh the 3.9 MB snapshot, so the joiner meets them all.
  const CHANGES = 2000;
  const PER_TASK = 1;
  console.log(`\n## 3. late joiner, /heavy (a 1 MB DOM), its log a snapshot and ${CHANGES} changes (${LATE} samples)`);
  const customer = await openCustomer(browser, base, '/heavy', { probe: true });
  const c = customer.content();
  const domSize = (await c.evaluate('document.documentElement.outerHTML.length')) as number;
  const nodes = (await c.evaluate('document.getElementsByTagName("*").length')) as number;
  console.log(`page: ${kb(domSize)} of HTML, ${nodes} elements`);
  const session = await call(customer, base);
  const first = await openOperator(browser, base, session);
  await until(async () => (await first.content().$('#c199')) !== null, "the first operator's mirror", 90_000, 50);

  const late: number[] = [];
  const shown: number[] = [];
  const plain: number[] = [];
  const direct: number[] = [];
  let logged = '';
  const state = `(() => { const o = []; for (let i = 0; i < 200; i++) o.push(document.getElementById('c' + i)?.textContent); return [document.title, document.getElementsByClassName('r').length, document.getElementById('counter')?.textContent, o.join('|')].join('#'); })()`;
  for (let s = 0; s < LATE; s++) {
    await c.evaluate('location.reload()');
    await c.waitForSelector('#c199', { timeout: 90_000 });
    const reloaded = (await c.evaluate(state)) as string;
    await until(
      async () => (await first.content().evaluate(state)) === reloaded,
      "the first operator's mirror of the reloaded page",
      90_000,
      50,
    );
    await sleep(1000);
    const t0 = performance.now();
    await c.evaluate(`benchMutate(${CHANGES}, 17, ${PER_TASK})`);
    const genS = (performance.now() - t0) / 1000;
    const want = (await c.evaluate(state)) as string;
    await until(async () => (await first.content().evaluate(state)) === want, "the first operator's mirror in sync", 90_000, 50);
    const snap = lastSnapshot(await sessionLog(first, base, session));
    if (snap) {
      logged = `a snapshot of ${kb(snap.json.length)} and ${snap.events} changes in ${snap.changes} batches`;
      if (s === 0) summary.push(`snapshot /heavy ${sizes(snap.json)}`);
      if (s === 0) console.log(`snapshot of /heavy: ${sizes(snap.json)}`);
    }
    const j = await operatorContext(browser, base, 'bob');
    const trace = process.env.TANDEM_BENCH_TRACE;
    if (trace && s === 0) await browser.startTracing(j.tab.page, { path: trace, categories: TRACE_CATEGORIES });
    const profile = process.env.TANDEM_BENCH_PROFILE;
    const cdp = profile && s === 0 ? await j.tab.page.context().newCDPSession(j.tab.page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const tj = performance.now();
    const tjAbs = performance.timeOrigin + tj;
    const nav = j.open(session);
    let firstShown = 0;
    await until(
      async () => {
        const kids = j.tab.page.mainFrame().childFrames();
        if (kids.length !== 1) return false;
        const now = (await kids[0].evaluate(state)) as string;
        if (!firstShown && now.includes('#5000#')) firstShown = performance.now() - tj;
        return now === want;
      },
      'the late joiner in sync',
      90_000,
      5,
    );
    late.push(performance.now() - tj);
    shown.push(firstShown);
    if (trace && s === 0) await browser.stopTracing();
    if (cdp && profile) writeFileSync(profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
    await nav.catch(() => undefined);
    const recvs = await wire(j.tab.page);
    const replayedAt = recvs.recvs.find(([, op]) => op === 'replayed')?.[0];
    const fresh = (await wire(customer.page)).sends.filter(([t, op]) => t >= tjAbs && op === 'snapshot');
    await j.tab.close();

    const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const p = await ctx.newPage();
    const tp = performance.now();
    const pnav = p.goto(`${base}/heavy`);
    await until(
      async () => {
        const f = p.frames().find((fr) => fr.name() === 'tandem-content');
        return !!f && (await f.evaluate('document.readyState !== "loading" && !!document.getElementById("c199")'));
      },
      'plain load through the gateway',
      90_000,
      5,
    );
    plain.push(performance.now() - tp);
    await pnav.catch(() => undefined);
    await ctx.close();

    const ctx2 = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const p2 = await ctx2.newPage();
    const td = performance.now();
    const dnav = p2.goto(`${origin}/heavy`);
    await until(
      async () => (await p2.evaluate('document.readyState !== "loading" && !!document.getElementById("c199")')) as boolean,
      'plain load of the origin',
      90_000,
      5,
    );
    direct.push(performance.now() - td);
    await dnav.catch(() => undefined);
    await ctx2.close();
    const rel = (t: number | undefined): string => (t === undefined ? '–' : f1(t - tjAbs));
    console.log(
      `  sample ${s + 1} (log: ${logged}; made in ${f1(genS)} s): in sync ${f1(late[s])} ms (the page first shown ${f1(shown[s])} ms, log replay received ${rel(replayedAt)} ms, the customer's fresh snapshot sent ${rel(fresh[0]?.[0])}–${rel(fresh.at(-1)?.[0])} ms); plain load through the gateway ${f1(plain[s])} ms, origin directly ${f1(direct[s])} ms`,
    );
  }
  const ok = Math.max(...late) <= 1000;
  const line = `late joiner, 1 MB DOM (${logged}): in sync p50 ${f1(p50(late))} ms, max ${f1(Math.max(...late))} ms (page first shown p50 ${f1(p50(shown))} ms); plain load through the gateway p50 ${f1(p50(plain))} ms (${(p50(late) / p50(plain)).toFixed(1)}×), origin directly p50 ${f1(p50(direct))} ms; target ≤ 1 s ${mark(ok)}`;
  console.log(line);
  summary.push(line);
  await first.close();
  await customer.close();
}

// ---- 5: the recorder's main-thread time ----------------------------------------------------

interface Metrics {
  task: number;
  script: number;
  layout: number;
  style: number;
}

async function metrics(cdp: import('playwright-core').CDPSession): Promise<Metrics> {
  const r = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const m = Object.fromEntries(r.metrics.map((x) => [x.name, x.value]));
  return {
    task: m.TaskDuration * 1000,
    script: m.ScriptDuration * 1000,
    layout: m.LayoutDuration * 1000,
    style: m.RecalcStyleDuration * 1000,
  };
}

async function recorderCost(browser: Browser): Promise<void> {
  const red = await startNodeRed().catch((err: unknown) => {
    console.log(`Node-RED did not start (${String(err)}); using the bench's 1 MB page`);
    return null;
  });
  const benchOrigin = red ? null : await startBenchOrigin();
  const origin = red?.url ?? benchOrigin!.url;
  const path = red ? '/' : '/heavy';
  const activity = red ? nodeRedActivity : heavyActivity;
  const ready = red ? '#inject1' : '#c199';
  const gw = await startGateway(origin);
  const SECONDS = 10;
  console.log(
    `\n## 5. recorder's main-thread time, ${red ? "Node-RED's flow editor" : 'the 1 MB page'}, ${SECONDS} s of scripted activity, ${ROUNDS} rounds`,
  );
  try {
    const open = async (): Promise<Tab> => {
      const t = await openCustomer(browser, gw.url, path, { viewport: { width: 1200, height: 800 } });
      await t.content().waitForSelector(ready, { timeout: 60_000 });
      return t;
    };
    const withSession = await open();
    const traffic = countFrames(withSession.page);
    const session = await call(withSession, gw.url);
    const op = await openOperator(browser, gw.url, session);
    await until(async () => (await op.content().$(ready)) !== null, "the operator's mirror", 60_000, 50);
    const without = await open();
    const cdpWith = await withSession.context.newCDPSession(withSession.page);
    const cdpWithout = await without.context.newCDPSession(without.page);
    await cdpWith.send('Performance.enable');
    await cdpWithout.send('Performance.enable');
    const runs: Record<'with' | 'without', { m: Metrics; wall: number }[]> = { with: [], without: [] };
    const run = async (which: 'with' | 'without'): Promise<void> => {
      const t = which === 'with' ? withSession : without;
      const cdp = which === 'with' ? cdpWith : cdpWithout;
      await sleep(500);
      const profile = process.env.TANDEM_BENCH_RECORDER_PROFILE;
      const profiling = !!profile && which === 'with' && runs.with.length === 0;
      if (profiling) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      const m0 = await metrics(cdp);
      const up0 = { ...traffic };
      const t0 = performance.now();
      await activity(t, SECONDS);
      await sleep(300);
      const m1 = await metrics(cdp);
      if (profiling) writeFileSync(profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
      const d: Metrics = {
        task: m1.task - m0.task,
        script: m1.script - m0.script,
        layout: m1.layout - m0.layout,
        style: m1.style - m0.style,
      };
      const wall = performance.now() - t0;
      runs[which].push({ m: d, wall });
      const sent =
        which === 'with'
          ? `; hub frames sent ${f1((traffic.up - up0.up) / 1024 / (wall / 1000))} KB/s, ${f1((traffic.upFrames - up0.upFrames) / (wall / 1000))}/s`
          : '';
      console.log(
        `  ${which === 'with' ? 'session   ' : 'no session'} wall ${f1(wall / 1000)} s: task ${f1(d.task)} ms, script ${f1(d.script)} ms, layout ${f1(d.layout)} ms, style ${f1(d.style)} ms${sent}`,
      );
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const which of r % 2 ? (['without', 'with'] as const) : (['with', 'without'] as const)) await run(which);
    }
    const extraTask = runs.with.map((x, i) => x.m.task - runs.without[i].m.task);
    const extraScript = runs.with.map((x, i) => x.m.script - runs.without[i].m.script);
    const wall = p50(runs.with.map((x) => x.wall));
    const share = (p50(extraTask) / wall) * 100;
    const rel = (p50(extraTask) / p50(runs.without.map((x) => x.m.task))) * 100;
    console.log(
      `main-thread task time: session p50 ${f1(p50(runs.with.map((x) => x.m.task)))} ms, no session ${f1(p50(runs.without.map((x) => x.m.task)))} ms; the session's extra ${f1(p50(extraTask))} ms (script ${f1(p50(extraScript))} ms) = ${share.toFixed(1)} % of the wall time, +${rel.toFixed(0)} % over the page's own; target ≤ 5 % ${mark(share <= 5)}`,
    );
    summary.push(
      `recorder main thread (${red ? 'Node-RED' : '1 MB page'}): +${f1(p50(extraTask))} ms per ${f1(wall / 1000)} s = ${share.toFixed(1)} % of wall, +${rel.toFixed(0)} % over no session (${f1(p50(runs.without.map((x) => x.m.task)))} ms); target ≤ 5 % ${mark(share <= 5)}`,
    );
    await op.close();
    await withSession.close();
    await without.close();
  } finally {
    await gw.close();
    await red?.close();
    await benchOrigin?.close();
  }
}

// ---- 6: page-load overhead ---------------------------------------------------------------

async function pageLoad(browser: Browser, origin: string, gwUrl: string, pages: string[], rounds: number, label: string): Promise<void> {
  const own = `(() => { const e = performance.getEntriesByType('navigation')[0]; return e.domContentLoadedEventEnd - e.startTime; })()`;
  const abs = `(() => { const e = performance.getEntriesByType('navigation')[0]; return performance.timeOrigin + e.domContentLoadedEventEnd; })()`;
  const per = new Map(pages.map((p) => [p, { direct: [] as number[], frame: [] as number[], tab: [] as number[] }]));
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (let r = 0; r < rounds + 1; r++) {
    for (const p of pages) {
      await page.goto(origin + p, { waitUntil: 'load' });
      const d1 = (await page.evaluate(own)) as number;
      await page.goto(gwUrl + p, { waitUntil: 'load' });
      const top0 = (await page.evaluate('performance.timeOrigin')) as number;
      const f = (await until(async () => page.frames().find((fr) => fr.name() === 'tandem-content'), 'content frame'))!;
      const [d2, end] = (await until(async () => {
        const v = [(await f.evaluate(own)) as number, (await f.evaluate(abs)) as number];
        return v[0] > 0 ? v : null;
      }, 'content DOMContentLoaded'))!;
      if (r === 0) continue; // warm-up
      const m = per.get(p)!;
      m.direct.push(d1);
      m.frame.push(d2);
      m.tab.push(end - top0);
    }
  }
  await ctx.close();
  // Ratios of the same page in the same round, taken side by side.
  const frameRatios: number[] = [];
  const tabRatios: number[] = [];
  const pct100 = (x: number): string => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(0)} %`;
  for (const [p, m] of per) {
    const fr = m.frame.map((x, i) => x / m.direct[i]);
    const tr = m.tab.map((x, i) => x / m.direct[i]);
    frameRatios.push(...fr);
    tabRatios.push(...tr);
    console.log(
      `  ${p.padEnd(10)} origin ${f1(p50(m.direct)).padStart(7)} ms   content frame ${f1(p50(m.frame)).padStart(7)} ms (${pct100(p50(fr))})   tab, shell then page ${f1(p50(m.tab)).padStart(7)} ms (${pct100(p50(tr))})`,
    );
  }
  const a = p50(frameRatios);
  const b = p50(tabRatios);
  const line = `${label}, DOMContentLoaded through the gateway vs the origin (median of ${frameRatios.length} paired ratios): the content frame's own ${pct100(a)}, from the tab's navigation (shell, then page) ${pct100(b)}; target ≤ 15 % ${mark(a <= 1.15)} / ${mark(b <= 1.15)}`;
  console.log(line);
  summary.push(`page load: ${line}`);
}

// ---- 7: bundles ------------------------------------------------------------------------------

function bundles(): void {
  console.log('\n## 7. bundles');
  for (const [name, target] of [
    ['hooks', 60],
    ['shell', 0],
  ] as const) {
    const raw = readFileSync(fileURLToPath(new URL(`../inject/${name}.js`, import.meta.url)));
    const gz = gzipSync(raw, { level: 9 }).length;
    const br = brotliCompressSync(raw).length;
    const line = `${name}.js ${kb(raw.length)} minified, gzip-9 ${kb(gz)}, brotli-11 ${kb(br)}${target ? `; target ≤ ${target} KB gzipped ${mark(gz <= target * 1024)}` : ''}`;
    console.log(line);
    summary.push(line);
  }
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(
    `# Tandem mirror sync, Chromium through a gateway process on loopback; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const browser = await launchChromium();
  const origin = await startBenchOrigin();
  const gw = await startGateway(origin.url);
  try {
    if (part(1) || part(2) || part(4)) await liveSession(browser, gw);
    if (part(3)) await lateJoiner(browser, gw, origin.url);
    if (part(5)) await recorderCost(browser);
    if (part(6)) {
      console.log('\n## 6. page-load overhead (medians; warm-up round left out)');
      await pageLoad(browser, origin.url, gw.url, ['/live', '/heavy'], 8, 'bench pages /live, /heavy');
      const demo = await startDemoSite();
      const dgw = await startGateway(demo.url);
      try {
        await pageLoad(
          browser,
          demo.url,
          dgw.url,
          ['/', '/rates', '/help', '/savings', '/cards', '/loans', '/login'],
          6,
          'demo bank, 7 pages',
        );
      } finally {
        await dgw.close();
        await demo.close();
      }
    }
    if (part(7)) bundles();
  } finally {
    await browser.close();
    await gw.close();
    await origin.close();
  }
  console.log(
    `\n## summary (load average now ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')})`,
  );
  for (const l of summary) console.log(`- ${l}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
