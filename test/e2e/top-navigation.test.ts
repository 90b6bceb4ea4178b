/**
 * Script navigations of `top` and `parent` from a proxied page stay inside the content frame
 * (CONTRACT section 4), in Chromium through the real gateway, customer side: the shell cancels
 * the top window's navigation and carries it into the content frame (inject/shell/top-navigation.ts),
 * and a frame buster's navigation is still stopped.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import type { Frame, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { startTestGateway } from '../helpers/gateway.js';

const hits = new Map<string, number>();
const origin = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://origin').pathname;
  hits.set(path, (hits.get(path) ?? 0) + 1);
  const page = (title: string, script = '') =>
    `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><script>${script}</script></body></html>`;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  if (path === '/start') return void res.end(page('Start'));
  if (path === '/rates') return void res.end(page('Rates'));
  if (path === '/buster') return void res.end(page('Buster', 'if (top !== self) top.location = self.location;'));
  res.statusCode = 404;
  res.end(page('Not found'));
});
await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
t.teardown(() => new Promise((r) => origin.close(r)));
const originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;

const gw = await startTestGateway({ TANDEM_ORIGIN: originUrl });
t.teardown(() => gw.close());
const browser = await launchChromium();
t.teardown(() => browser.close());

async function openShell(t: Test, path: string): Promise<{ page: Page; frame: Frame }> {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await page.goto(`${gw.url}${path}`);
  const frame = await (await page.waitForSelector('iframe[data-tandem="content"]')).contentFrame();
  if (!frame) throw new Error('no content frame');
  await frame.waitForFunction(() => document.readyState === 'complete' && document.querySelector('h1') !== null);
  // A mark on the shell's window: gone if the top window loads a document again.
  await page.evaluate(() => ((window as { tandemTestMark?: number }).tandemTestMark = 1));
  return { page, frame };
}

async function expectRatesInFrame(t: Test, page: Page): Promise<void> {
  const iframe = await page.waitForSelector('iframe[data-tandem="content"]');
  await page.waitForFunction(() => {
    const f = document.querySelector<HTMLIFrameElement>('iframe[data-tandem="content"]');
    return f?.contentDocument?.querySelector('h1')?.textContent === 'Rates';
  });
  const frame = await iframe.contentFrame();
  t.equal(new URL(frame!.url()).pathname, '/rates', 'the content frame ends on /rates');
  t.equal(
    await page.evaluate(() => (window as { tandemTestMark?: number }).tandemTestMark),
    1,
    'the shell document stayed (no top-level load)',
  );
  t.ok(await page.$('[data-tandem="status"]'), 'the shell stays');
  // The shell may follow its page in its own address (replaceState); it stays on the gateway.
  t.equal(new URL(page.url()).host, new URL(gw.url).host, 'the tab stays on the gateway');
}

t.test('top navigation: window.top.location.href = "/rates" goes into the content frame', async (t) => {
  const { page, frame } = await openShell(t, '/start');
  const before = hits.get('/rates') ?? 0;
  const thrown = await frame.evaluate(() => {
    try {
      window.top!.location.href = '/rates';
      return '';
    } catch (err) {
      return String(err);
    }
  });
  t.equal(thrown, '', 'the assignment does not throw');
  await expectRatesInFrame(t, page);
  t.equal((hits.get('/rates') ?? 0) - before, 1, 'the origin is asked for /rates once');
});

t.test('top navigation: window.parent.location.assign(origin URL) goes into the content frame, mapped', async (t) => {
  const { page, frame } = await openShell(t, '/start');
  await frame.evaluate((url) => window.parent.location.assign(url), `${originUrl}/rates`);
  await expectRatesInFrame(t, page);
});

t.test('top navigation: a frame buster is still stopped and the page stays in the frame', async (t) => {
  const before = hits.get('/buster') ?? 0;
  const { page, frame } = await openShell(t, '/buster');
  // Long enough for a reload loop or an escape to show.
  await page.waitForTimeout(1000);
  t.equal(
    await page.evaluate(() => (window as { tandemTestMark?: number }).tandemTestMark),
    1,
    'the shell document stayed (no top-level load)',
  );
  t.equal(new URL(frame.url()).pathname, '/buster', 'the content frame still shows the page');
  t.equal(await frame.evaluate(() => document.querySelector('h1')?.textContent), 'Buster');
  t.equal((hits.get('/buster') ?? 0) - before, 1, 'the page was loaded once: no reload loop');
});
