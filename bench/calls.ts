/**
 * The call flow's latency as people feel it, in Chromium, with two gateway replicas sharing a
 * real Redis (the customer on one, the operator's console on the other):
 *
 *   ring:  the customer's press of Call operator → the call shows on a waiting console
 *          (target: 100 ms)
 *   sync:  the operator's press of Respond → the operator's content frame shows the
 *          customer's page in the customer's state (the customer's typed value in the field)
 *          (target: 1 s)
 *
 * Both ends are stamped by the browsers (Date.now(), one machine, one clock). Baselines,
 * measured side by side in the same run: for the ring, one HTTP round trip from the
 * customer's page to the gateway (`fetch('/__tandem/healthz')`); for the sync, one plain load
 * of the same page through the gateway in a fresh tab (what any visit to it costs).
 *
 *   npm run build && node dist/bench/calls.js [--calls 50]
 */

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../test/helpers/browser.js';
import { spawnGateway } from '../test/helpers/gateway.js';
import { startRedis } from '../test/helpers/redis.js';
import { startSharingOrigin } from '../test/fixtures/origins/sharing-pages.js';
import { hashPassword } from '../gateway/sessions/operators.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const CALLS = arg('calls', 50);
const PASSWORD = 'bench-password';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  try {
    const origin = await startSharingOrigin();
    cleanup.push(() => origin.close());
    const redis = await startRedis();
    cleanup.push(() => redis.close());
    const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-calls-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const operatorsFile = join(dir, 'operators.jsonl');
    writeFileSync(operatorsFile, JSON.stringify(await hashPassword('alice', PASSWORD)) + '\n');
    const env = { TANDEM_ORIGIN: origin.url, TANDEM_OPERATORS: operatorsFile, TANDEM_REDIS_URL: redis.url, TANDEM_LOG_LEVEL: 'error' };
    const customerGw = await spawnGateway(env);
    cleanup.push(() => customerGw.stop());
    const operatorGw = await spawnGateway(env);
    cleanup.push(() => operatorGw.stop());
    const browser = await launchChromium();
    cleanup.push(() => browser.close());

    // The customer: one tab on /fields, calling again after each End.
    const customerCtx = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const customer = await customerCtx.newPage();
    await customer.goto(`${customerGw.url}/fields`);
    await customer.waitForFunction(() => document.querySelector('[data-tandem="status"]')?.textContent === 'idle');
    await customer.evaluate(() => {
      document
        .querySelector('[data-tandem="connect"]')!
        .addEventListener('click', () => ((window as unknown as { pressedAt: number }).pressedAt = Date.now()), { capture: true });
    });
    const content = () => customer.frames().find((f) => f.name() === 'tandem-content')!;

    // The operator: one tab, the console between calls, the session URL during them.
    const opCtx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const op = await opCtx.newPage();
    const login = await opCtx.request.post(`${operatorGw.url}/__tandem/api/login`, { data: { name: 'alice', password: PASSWORD } });
    if (!login.ok()) throw new Error(`login: ${login.status()}`);

    const openConsole = async (): Promise<void> => {
      await op.goto(`${operatorGw.url}/__tandem/console`);
      await op.waitForFunction(() => document.querySelector('[data-tandem="queue-status"]')?.textContent === 'live');
      await op.evaluate(() => {
        const w = window as unknown as { rings: Record<string, number> };
        w.rings = {};
        new MutationObserver(() => {
          for (const li of Array.from(document.querySelectorAll('[data-tandem="queue"] li.tc-waiting[data-session]'))) {
            const id = li.getAttribute('data-session')!;
            w.rings[id] ??= Date.now();
          }
        }).observe(document.querySelector('[data-tandem="queue"]')!, { childList: true, subtree: true });
        document.addEventListener(
          'click',
          (e) => {
            if ((e.target as Element).closest('[data-tandem="respond"]')) sessionStorage.setItem('respondAt', String(Date.now()));
          },
          { capture: true },
        );
      });
    };

    const ring: number[] = [];
    const sync: number[] = [];
    const rtt: number[] = [];
    const load: number[] = [];
    const loader = await browser.newContext({ viewport: { width: 900, height: 700 } });

    for (let i = 0; i < CALLS; i++) {
      await openConsole();
      const value = `value ${i}`;
      await content().fill('#text', value);

      // Baselines, interleaved with the measured calls.
      rtt.push(
        await customer.evaluate(async () => {
          const t0 = performance.now();
          await fetch('/__tandem/healthz', { cache: 'no-store' });
          return performance.now() - t0;
        }),
      );
      const lp = await loader.newPage();
      const t0 = Date.now();
      await lp.goto(`${operatorGw.url}/fields`, { waitUntil: 'load' });
      await lp.waitForFunction(() => {
        const f = document.querySelector<HTMLIFrameElement>('[data-tandem="content"]');
        return f?.contentDocument?.readyState === 'complete' && f.contentDocument.querySelector('#text') !== null;
      });
      load.push(Date.now() - t0);
      await lp.close();

      // Ring.
      await customer.click('[data-tandem="connect"]');
      const id = await customer.evaluate(async () => {
        for (;;) {
          const r = await fetch('/__tandem/api/session');
          if (r.ok) return ((await r.json()) as { id: string }).id;
          await new Promise((res) => setTimeout(res, 10));
        }
      });
      const rangAt = await op.waitForFunction((sid) => (window as unknown as { rings: Record<string, number> }).rings[sid], id, {
        polling: 50,
      });
      const pressedAt = await customer.evaluate(() => (window as unknown as { pressedAt: number }).pressedAt);
      ring.push(((await rangAt.jsonValue()) as number) - pressedAt);

      // Respond → in sync.
      await op.click(`[data-tandem="queue"] li.tc-waiting[data-session="${id}"] [data-tandem="respond"]`);
      await op.waitForURL(`**/__tandem/s/${id}`, { waitUntil: 'commit' });
      const syncedAt = await op.waitForFunction(
        (v) => {
          const f = document.querySelector<HTMLIFrameElement>('[data-tandem="content"]');
          const input = f?.contentDocument?.querySelector<HTMLInputElement>('#text');
          return document.querySelector('[data-tandem="status"]')?.textContent === 'connected' && input?.value === v ? Date.now() : 0;
        },
        value,
        { polling: 'raf', timeout: 15_000 },
      );
      const respondAt = Number(await op.evaluate(() => sessionStorage.getItem('respondAt')));
      sync.push(((await syncedAt.jsonValue()) as number) - respondAt);

      // End, ready for the next call.
      await customer.click('[data-tandem="connect"]');
      await customer.waitForFunction(() => document.querySelector('[data-tandem="status"]')?.textContent === 'ended');
      await op.waitForFunction(() => document.querySelector('[data-tandem="status"]')?.textContent === 'ended');
      process.stderr.write(`\rcall ${i + 1}/${CALLS}`);
    }
    process.stderr.write('\n');

    const row = (name: string, xs: number[], base: number[], baseName: string, target: number) =>
      console.log(
        `${name.padEnd(6)} p50 ${fmt(pct(xs, 50)).padStart(9)}  p99 ${fmt(pct(xs, 99)).padStart(9)}  | ${baseName} p50 ${fmt(pct(base, 50))}, p99 ${fmt(pct(base, 99))}  | ratio p50 ×${(pct(xs, 50) / pct(base, 50)).toFixed(2)}  | target ${target} ms: ${pct(xs, 99) <= target ? 'met at p99' : pct(xs, 50) <= target ? 'met at p50 only' : 'missed'}`,
      );
    console.log(`calls: ${CALLS}, two replicas sharing Redis, customer on one, console on the other, Chromium ${browser.version()}`);
    row('ring', ring, rtt, 'baseline: one HTTP round trip', 100);
    row('sync', sync, load, 'baseline: one plain page load through the gateway', 1000);
  } finally {
    for (const fn of cleanup.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
