/**
 * A browser that sends no Sec-Fetch-Dest gets the proxied page at top level (the gateway cannot
 * tell it from the content frame's request); the page's hooks then move it into a shell.
 */

import t from 'tap';
import { launchChromium } from '../helpers/browser.js';
import { startTestGateway } from '../helpers/gateway.js';
import { startFixtureOrigins } from '../fixtures/origins/index.js';

const origins = await startFixtureOrigins();
t.teardown(() => origins.close());
const gw = await startTestGateway({ TANDEM_ORIGIN: origins.site.url });
t.teardown(() => gw.close());
const browser = await launchChromium();
t.teardown(() => browser.close());

t.test('shell: a page loaded top-level without Sec-Fetch-Dest moves itself into a shell showing the same page', async (t) => {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const first = `${gw.url}/page2?from=old-browser`;
  // Only the first top-level load is made as an older browser would: without Sec-Fetch-* headers.
  await page.route(first, async (route) => {
    const headers = Object.fromEntries(Object.entries(route.request().headers()).filter(([k]) => !k.startsWith('sec-fetch-')));
    const response = await route.fetch({ headers });
    await route.fulfill({ response });
  });
  // The page replaces itself while it loads: what follows waits for the shell, not for its load.
  await page.goto(first, { waitUntil: 'commit' });
  const iframe = await page.waitForSelector('iframe[data-tandem="content"]');
  const frame = await iframe.contentFrame();
  t.ok(frame, 'the top-level page is now a shell with a content frame');
  await frame!.waitForFunction(() => document.querySelector('h1')?.textContent === 'Page two');
  const shown = new URL(frame!.url());
  t.equal(shown.pathname + shown.search, '/page2?from=old-browser', 'the content frame shows the page that was asked for');
  t.equal(new URL(page.url()).host, new URL(gw.url).host, 'the tab stayed on the gateway');
});

t.test('shell: the fallback shell only frames proxied pages', async (t) => {
  for (const u of ['//evil.example/x', '/__tandem/api/sessions', 'https://evil.example/']) {
    const r = await fetch(`${gw.url}/__tandem/shell?u=${encodeURIComponent(u)}`);
    t.equal(r.status, 400, `${u} is refused`);
    t.match(await r.json(), { error: 'TANDEM_ERR_BAD_REQUEST' });
  }
});
