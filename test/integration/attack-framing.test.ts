/**
 * Attack: a foreign site frames the gateway's copy of a page (clickjacking, or reading what the
 * origin itself refuses to have framed: the gateway must drop the origin's X-Frame-Options so
 * that its own shell can frame the page). In Chromium: the foreign frame stays empty, while the
 * shell's own content frame shows the page.
 */

import t from 'tap';
import http from 'node:http';
import type { Frame, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { startTestGateway } from '../helpers/gateway.js';
import { startFixtureOrigins } from '../fixtures/origins/index.js';

const origins = await startFixtureOrigins();
t.teardown(() => origins.close());
const gw = await startTestGateway({ TANDEM_ORIGIN: origins.site.url });
t.teardown(() => gw.close());
const browser = await launchChromium();
t.teardown(() => browser.close());

/** The attacker's site, on a port of its own: a page whose iframe shows `src`. */
const attacker = http.createServer((req, res) => {
  const src = new URL(req.url ?? '/', 'http://x').searchParams.get('src') ?? '';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><title>Win a prize</title><iframe id="victim" name="victim" src="${src.replace(/"/g, '&quot;')}"></iframe>`);
});
await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
const attackerUrl = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  context.setDefaultTimeout(10_000);
  return context.newPage();
}

async function childFrame(page: Page, name: string): Promise<Frame> {
  for (let waited = 0; ; waited += 50) {
    const f = page.frames().find((fr) => fr.parentFrame() === page.mainFrame() && fr.name() === name);
    if (f) return f;
    if (waited > 10_000) throw new Error(`no ${name} frame`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The frame's heading once it has loaded something, or null when it shows nothing of the page. */
async function headingOf(frame: Frame): Promise<string | null> {
  await frame.waitForLoadState('load').catch(() => undefined);
  return frame.evaluate(() => document.querySelector('h1')?.textContent ?? null).catch(() => null);
}

t.test('attack-framing: a foreign page that frames a proxied page gets an empty frame', async (t) => {
  const hits = origins.site.counters.hits.get('/page2') ?? 0;
  const page = await newPage();
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (/frame-ancestors|Refused to frame/i.test(m.text())) blocked.push(m.text());
  });
  await page.goto(`${attackerUrl}/?src=${encodeURIComponent(`${gw.url}/page2`)}`);
  const victim = await childFrame(page, 'victim');
  // The gateway did fetch the page (so the test would see it, if the browser showed it).
  for (let waited = 0; (origins.site.counters.hits.get('/page2') ?? 0) === hits && waited < 10_000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
  }
  t.ok((origins.site.counters.hits.get('/page2') ?? 0) > hits, 'the framed request reached the gateway');
  await new Promise((r) => setTimeout(r, 300));
  t.not(await headingOf(victim), 'Page two', 'the page is not shown in the foreign frame');
  t.ok(blocked.length > 0, 'Chromium refused to frame it for its frame-ancestors policy');
});

t.test("attack-framing: the shell's own content frame still shows the page", async (t) => {
  const page = await newPage();
  await page.goto(`${gw.url}/page2`, { waitUntil: 'commit' });
  const content = await childFrame(page, 'tandem-content');
  await content.waitForFunction(() => document.querySelector('h1')?.textContent === 'Page two');
  t.equal(await headingOf(content), 'Page two');
});
