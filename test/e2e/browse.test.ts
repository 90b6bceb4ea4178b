/**
 * Browsing the fixture site THROUGH the gateway in Chromium, from the top-level URL (the shell):
 * links, forms, redirects, a SPA with pushState, fetch and a WebSocket, a framebuster, target=_top
 * and a second origin. Every request the browser makes is recorded: none may go to an origin's
 * port, and the top-level page never leaves the shell.
 */

import t, { type Test } from 'tap';
import type { Frame, Page, Request } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { startTestGateway } from '../helpers/gateway.js';
import { startFixtureOrigins } from '../fixtures/origins/index.js';

const origins = await startFixtureOrigins();
t.teardown(() => origins.close());
const gw = await startTestGateway({ TANDEM_ORIGIN: origins.site.url, TANDEM_ALLOW: origins.second.url, TANDEM_ORIGIN_TIMEOUT: '2s' });
t.teardown(() => gw.close());
const browser = await launchChromium();
t.teardown(() => browser.close());

const secondPath = `/__tandem/o/http/127.0.0.1:${origins.second.port}`;

interface Recorder {
  page: Page;
  urls: string[];
  /** Requests that loaded a document into the top-level page. */
  topNavigations: string[];
  content(): Frame;
}

async function openShell(t: Test, path: string): Promise<Recorder> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  t.teardown(() => context.close());
  // Bounded waits: a page that misbehaves fails the test in seconds instead of hanging it.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const urls: string[] = [];
  const topNavigations: string[] = [];
  context.on('request', (r: Request) => {
    urls.push(r.url());
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) topNavigations.push(r.url());
  });
  page.on('websocket', (ws) => urls.push(ws.url()));
  // 'commit': a framebuster could keep the top page from ever finishing its load.
  await page.goto(gw.url + path, { waitUntil: 'commit' });
  const content = (): Frame => {
    const f = page.frames().find((fr) => fr.parentFrame() === page.mainFrame() && fr.name() === 'tandem-content');
    if (!f) throw new Error('no content frame in the shell');
    return f;
  };
  await page.waitForSelector('iframe[data-tandem="content"]');
  // The iframe element can be in the DOM a moment before its frame is in playwright's tree.
  for (let waited = 0; !page.frames().some((fr) => fr.name() === 'tandem-content'); waited += 25) {
    if (waited > 10_000) throw new Error('the content frame never attached');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { page, urls, topNavigations, content };
}

/** Waits until the content frame shows `heading`, and returns the frame's gateway path. */
async function shows(r: Recorder, heading: string): Promise<string> {
  await r.content().waitForFunction((h) => document.querySelector('h1')?.textContent === h, heading, { timeout: 10_000 });
  const u = new URL(r.content().url());
  return u.pathname + u.search;
}

async function stillInShell(t: Test, r: Recorder, what: string): Promise<void> {
  t.equal(new URL(r.page.url()).origin, gw.url, `${what}: the tab is on the gateway`);
  t.equal(await r.page.locator('iframe[data-tandem="content"]').count(), 1, `${what}: the shell's content frame is there`);
  t.equal(r.topNavigations.length, 1, `${what}: the top-level page was loaded once, never replaced`);
}

function assertNoOriginRequest(t: Test, r: Recorder): void {
  const leaked = r.urls.filter((u) => {
    if (!/^(https?|wss?):/.test(u)) return false;
    const url = new URL(u);
    return url.hostname !== '127.0.0.1' || Number(url.port) !== gw.port;
  });
  t.same(
    leaked,
    [],
    `all ${r.urls.length} requests went to the gateway (port ${gw.port}), none to an origin (${origins.ports.join(', ')})`,
  );
}

t.test('browse: links, forms and redirects stay in the content frame, through the gateway', async (t) => {
  const r = await openShell(t, '/');
  t.equal(await shows(r, 'Home'), '/');
  await r.content().waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('#dot');
    return img !== null && img.complete && img.naturalWidth === 1;
  });
  t.pass('an image with an absolute origin URL loaded');
  // An @import loads after the page's own stylesheet: wait for it (bounded) rather than race it.
  const color = await r
    .content()
    .waitForFunction(() => getComputedStyle(document.querySelector('h1')!).color === 'rgb(1, 2, 3)', undefined, { timeout: 15_000 })
    .then(() => 'rgb(1, 2, 3)')
    .catch(() => r.content().evaluate(() => getComputedStyle(document.querySelector('h1')!).color));
  t.equal(color, 'rgb(1, 2, 3)', 'a stylesheet @import-ed by an absolute URL applied');

  await r.content().click('#to-page2');
  t.equal(await shows(r, 'Page two'), '/page2');
  await r.content().click('#home');
  await shows(r, 'Home');
  await r.content().click('#to-abs');
  t.equal(await shows(r, 'Page two'), '/page2?from=abs', 'an absolute link');

  await r.content().goto(`${gw.url}/search-form`);
  await shows(r, 'Search');
  await r.content().fill('#q', 'loans');
  await r.content().click('#go');
  t.equal(await shows(r, 'Results'), '/search?q=loans', 'a GET form');
  t.equal(await r.content().textContent('#results'), 'Results for loans');

  const posts = origins.site.counters.posts;
  await r.content().goto(`${gw.url}/form-post`);
  await shows(r, 'Post form');
  await r.content().fill('#name', 'Dora');
  await r.content().click('#send');
  t.equal(await shows(r, 'Thanks'), '/submit', 'a POST form');
  t.equal(await r.content().textContent('#thanks'), 'Thanks, Dora');
  t.equal(origins.site.counters.posts, posts + 1, 'posted once');

  await r.content().goto(`${gw.url}/form-post`);
  await shows(r, 'Post form');
  await r.content().fill('#name-307', 'Eve');
  await r.content().click('#send-307');
  await shows(r, 'Thanks');
  t.equal(await r.content().textContent('#thanks'), 'Thanks, Eve', 'a 307 to an absolute URL keeps the POST');

  await r.content().goto(`${gw.url}/form-post`);
  await shows(r, 'Post form');
  await r.content().click('#send-303');
  t.equal(await shows(r, 'Page two'), '/page2', 'a 303 with a relative Location');

  await r.content().goto(`${gw.url}/`);
  await shows(r, 'Home');
  await r.content().click('#to-r301');
  t.equal(await shows(r, 'Page two'), '/page2', 'a 301 to an absolute URL');
  await r.content().goto(`${gw.url}/`);
  await shows(r, 'Home');
  await r.content().click('#to-r302');
  t.equal(await shows(r, 'Page two'), '/page2', 'a 302 to a root-relative URL');

  await stillInShell(t, r, 'after links, forms and redirects');
  assertNoOriginRequest(t, r);
});

t.test('browse: a SPA with pushState, fetch and a WebSocket to absolute origin URLs', async (t) => {
  const r = await openShell(t, '/spa');
  t.equal(await shows(r, 'SPA'), '/spa');
  await r.content().click('#go-b');
  await r.content().waitForFunction(() => document.getElementById('route')?.textContent === '/spa/route-b');
  t.equal(new URL(r.content().url()).pathname, '/spa/route-b', 'pushState of an absolute origin URL lands on the gateway path');
  await r.content().click('#load');
  await r.content().waitForFunction(() => (document.getElementById('out')?.textContent ?? '') !== '');
  t.equal(await r.content().textContent('#out'), 'loaded 42', 'fetch of an absolute origin URL');
  await r.content().click('#ws');
  await r.content().waitForFunction(() => (document.getElementById('ws-out')?.textContent ?? '') !== '');
  t.equal(await r.content().textContent('#ws-out'), 'ws echo me', 'a WebSocket to the origin, through the gateway');
  await r.content().evaluate(() => history.back());
  await r.content().waitForFunction(() => location.pathname === '/spa');
  await stillInShell(t, r, 'after the SPA');
  assertNoOriginRequest(t, r);
});

t.test('browse: a framebuster stays inside the content frame', async (t) => {
  const r = await openShell(t, '/framebust');
  t.equal(await shows(r, 'Framebuster'), '/framebust');
  // A bust would navigate the top when the page's script runs: wait for the network to settle
  // (no fixed sleep), then look.
  await r.page.waitForLoadState('networkidle');
  t.equal(await r.content().textContent('#busted'), 'still here');
  await stillInShell(t, r, 'after the framebuster');
  assertNoOriginRequest(t, r);
});

t.test('browse: target=_top and _parent links open in the content frame', async (t) => {
  const r = await openShell(t, '/top-link');
  await shows(r, 'Top links');
  await r.content().click('#top-a');
  t.equal(await shows(r, 'Page two'), '/page2?from=top', 'target=_top opened in the content frame');
  await r.content().goto(`${gw.url}/top-link`);
  await shows(r, 'Top links');
  await r.content().click('#parent-a');
  t.equal(await shows(r, 'Page two'), '/page2?from=parent', 'target=_parent opened in the content frame');
  await stillInShell(t, r, 'after target=_top and _parent');
  assertNoOriginRequest(t, r);
});

t.test('browse: a second, allowed origin is browsed under /__tandem/o/ and links back', async (t) => {
  const r = await openShell(t, '/cross');
  await shows(r, 'Cross');
  await r.content().waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('#second-img');
    return img !== null && img.complete && img.naturalWidth === 1;
  });
  await r.content().click('#to-second');
  t.equal(await shows(r, 'Hello from second'), `${secondPath}/hello`);
  await r.content().click('#back');
  t.equal(await shows(r, 'Page two'), '/page2?from=second');
  await stillInShell(t, r, 'after the second origin');
  assertNoOriginRequest(t, r);
});
