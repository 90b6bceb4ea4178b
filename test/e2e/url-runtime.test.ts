/**
 * The in-page URL runtime (inject/runtime), bundled here with esbuild and inlined into pages of a
 * tiny node:http server that plays the gateway for https://bank.example (at its root) and
 * https://static.bank.example (under /__tandem/o/). Chromium runs the pages; the server records
 * every path it is asked for, so the test sees what the browser really requested.
 */

import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SANDBOX =
  'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals allow-downloads allow-pointer-lock allow-top-navigation-to-custom-protocols';

const bundle = await build({
  stdin: {
    contents: `import { installRuntime } from './inject/runtime/index.ts';
      const s = document.currentScript;
      installRuntime({ primary: s.dataset.primary, allowed: s.dataset.allow.split(','), pageOrigin: s.dataset.pageOrigin });`,
    resolveDir: ROOT,
    loader: 'ts',
  },
  bundle: true,
  format: 'iife',
  write: false,
  target: ['chrome100'],
});
const runtime = bundle.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');

const seen: string[] = [];
const page = (body: string, head = ''): string =>
  `<!doctype html><html><head><script data-primary="https://bank.example" data-allow="https://static.bank.example" data-page-origin="https://bank.example">${runtime}</script>${head}</head><body>${body}</body></html>`;

const server = http.createServer((req, res) => {
  const path = req.url ?? '/';
  seen.push(path);
  if (path.startsWith('/shell'))
    return void res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<!doctype html><iframe id=f sandbox="${SANDBOX}" src="/framed"></iframe>`);
  if (path.startsWith('/framed')) {
    return void res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'origin_sid=abc; Path=/' }).end(
      page(`<script>
        window.bust = (() => { try { if (top !== self) top.location = self.location; return 'stayed'; } catch (e) { return e.name; } })();
        try { localStorage.setItem('k', 'v'); window.storage = localStorage.getItem('k'); } catch (e) { window.storage = e.name; }
      </script>`),
    );
  }
  if (path.startsWith('/write'))
    return void res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(page(`<script>document.write('<img id=w1 src="//static.bank.example/w.png">')</script>`));
  if (path.startsWith('/page') || path.startsWith('/next') || path.startsWith('/pushed'))
    return void res.writeHead(200, { 'content-type': 'text/html' }).end(page('<p>page</p>'));
  if (path.endsWith('.json') || path.startsWith('/api/'))
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path }));
  res.writeHead(204).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
const port = (server.address() as AddressInfo).port;
const base = `http://127.0.0.1:${port}`;

const browser = await launchChromium();
t.teardown(() => browser.close());

async function open(path: string): Promise<Page> {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const p = await context.newPage();
  await p.goto(base + path);
  return p;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

t.test('url-runtime: fetch, XHR and beacons to configured origins reach the gateway', async (t) => {
  const p = await open('/page');
  const got = await p.evaluate(async () => {
    const a = await (await fetch('https://bank.example/api/one?x=1')).json();
    const b = await (await fetch(new Request('https://static.bank.example/data.json', { headers: { 'x-test': '1' } }))).json();
    const c = await (await fetch(new URL('https://static.bank.example/url.json'))).json();
    const d = await new Promise((resolve) => {
      const x = new XMLHttpRequest();
      x.open('GET', 'https://bank.example/api/xhr');
      x.onload = () => resolve(JSON.parse(x.responseText));
      x.send();
    });
    navigator.sendBeacon('https://bank.example/api/beacon', 'x');
    return [a, b, c, d];
  });
  t.same(got, [
    { path: '/api/one?x=1' },
    { path: '/__tandem/o/https/static.bank.example/data.json' },
    { path: '/__tandem/o/https/static.bank.example/url.json' },
    { path: '/api/xhr' },
  ]);
  await waitFor(() => seen.includes('/api/beacon'), 'the beacon');
  t.ok(seen.includes('/api/beacon'), 'the beacon reached the gateway');
});

t.test('url-runtime: WebSocket and EventSource URLs point at the gateway', async (t) => {
  const p = await open('/page');
  const urls = await p.evaluate(() => {
    const ws = new WebSocket('wss://static.bank.example/live');
    const url = ws.url;
    ws.close();
    const es = new EventSource('https://bank.example/events');
    const esUrl = es.url;
    es.close();
    return { url, esUrl, isWs: ws instanceof WebSocket, closed: WebSocket.CLOSED };
  });
  t.same(urls, { url: `ws://127.0.0.1:${port}/__tandem/o/https/static.bank.example/live`, esUrl: `${base}/events`, isWs: true, closed: 3 });
});

t.test('url-runtime: element setters and setAttribute map URLs and keep links in the frame', async (t) => {
  const p = await open('/page');
  const got = await p.evaluate(() => {
    const img = document.createElement('img');
    img.src = 'https://static.bank.example/i.png';
    img.srcset = 'https://bank.example/a.png 1x, https://static.bank.example/b.png 2x';
    const a = document.createElement('a');
    a.setAttribute('href', 'https://bank.example/x?y#z');
    a.target = '_top';
    const a2 = document.createElement('a');
    a2.href = 'https://elsewhere.example/';
    const form = document.createElement('form');
    form.action = 'https://bank.example/post';
    form.setAttribute('target', '_parent');
    const s = document.createElement('script');
    s.setAttribute('src', '//static.bank.example/s.js');
    return [
      img.getAttribute('src'),
      img.getAttribute('srcset'),
      a.getAttribute('href'),
      a.target,
      a2.getAttribute('href'),
      form.getAttribute('action'),
      form.target,
      s.getAttribute('src'),
    ];
  });
  t.same(got, [
    '/__tandem/o/https/static.bank.example/i.png',
    '/a.png 1x, /__tandem/o/https/static.bank.example/b.png 2x',
    '/x?y#z',
    '_self',
    'https://elsewhere.example/',
    '/post',
    '_self',
    '/__tandem/o/https/static.bank.example/s.js',
  ]);
});

t.test('url-runtime: URL attributes in HTML strings from scripts are mapped, text is not', async (t) => {
  const p = await open('/page');
  const got = await p.evaluate(() => {
    const div = document.createElement('div');
    div.innerHTML =
      '<img id=i1 src="https://static.bank.example/a.png"><a id=a1 href=https://bank.example/x?y=1&amp;z=2>https://bank.example/text</a><img id=i2 srcset="https://bank.example/1.png 1x, https://static.bank.example/2.png 2x">';
    div.insertAdjacentHTML('beforeend', "<form id=f1 action='https://bank.example/post'></form>");
    document.body.append(div);
    const q = (id: string) => document.getElementById(id)!;
    return [
      q('i1').getAttribute('src'),
      q('a1').getAttribute('href'),
      q('a1').textContent,
      q('i2').getAttribute('srcset'),
      q('f1').getAttribute('action'),
    ];
  });
  t.same(got, [
    '/__tandem/o/https/static.bank.example/a.png',
    '/x?y=1&z=2',
    'https://bank.example/text',
    '/1.png 1x, /__tandem/o/https/static.bank.example/2.png 2x',
    '/post',
  ]);
  const w = await open('/write');
  t.equal(
    await w.evaluate(() => document.getElementById('w1')!.getAttribute('src')),
    '/__tandem/o/https/static.bank.example/w.png',
    'document.write while parsing',
  );
  await waitFor(() => seen.includes('/__tandem/o/https/static.bank.example/w.png'), 'the written image');
});

t.test('url-runtime: history and location navigations stay in the gateway', async (t) => {
  const p = await open('/page');
  const pushed = await p.evaluate(() => {
    history.pushState({}, '', 'https://bank.example/pushed?q=1');
    return location.pathname + location.search;
  });
  t.equal(pushed, '/pushed?q=1', 'pushState with an absolute origin URL (natively a SecurityError)');
  await p.evaluate(() => {
    location.href = 'https://bank.example/next?from=script';
  });
  await waitFor(() => p.url() === `${base}/next?from=script`, 'the mapped navigation');
  t.equal(p.url(), `${base}/next?from=script`, 'location.href = <origin URL> lands on the gateway path');
});

t.test("url-runtime: document.cookie writes with the origin's Domain and Secure are kept on the gateway", async (t) => {
  const p = await open('/page');
  const cookies = await p.evaluate(() => {
    document.cookie = 'dc=1; domain=.bank.example; path=/; SameSite=None; Secure';
    document.cookie = 'plain=2';
    document.cookie = 'tandem_x=evil';
    return document.cookie;
  });
  t.match(cookies, /dc=1/);
  t.match(cookies, /plain=2/);
  t.notMatch(cookies, /tandem_x/);
});

t.test('url-runtime: a foreign window.open goes to a new tab, never the content frame', async (t) => {
  const p = await open('/page');
  const popup = p.context().waitForEvent('page');
  await p.evaluate((foreign) => {
    window.open(foreign, '_self');
  }, `http://localhost:${port}/api/foreign`);
  const tab = await popup;
  t.match(tab.url(), /localhost:\d+\/api\/foreign|about:blank/);
  t.equal(p.url(), `${base}/page`, 'the page itself did not navigate');
  await p.evaluate(() => {
    window.open(location.origin + '/next?own', '_self');
  });
  await waitFor(() => p.url() === `${base}/next?own`, 'the same-frame navigation');
  t.equal(p.url(), `${base}/next?own`, 'a gateway URL read back from the page opens where it was asked to');
});

t.test('url-runtime: wrappers look native and nothing leaks onto the page', async (t) => {
  const p = await open('/page');
  const got = await p.evaluate(async () => ({
    fetch: fetch.toString().includes('[native code]'),
    open: XMLHttpRequest.prototype.open.toString().includes('[native code]'),
    setter: String(Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src')!.set).includes('[native code]'),
    sw: await navigator.serviceWorker.register('/sw.js').then(
      () => 'registered',
      (e: Error) => e.name,
    ),
    bad: (() => {
      try {
        return fetch(null as unknown as string) instanceof Promise;
      } catch (e) {
        return (e as Error).name;
      }
    })(),
  }));
  t.same(got, { fetch: true, open: true, setter: true, sw: 'SecurityError', bad: true });
});

t.test('url-runtime: the content frame sandbox stops frame-busting and keeps cookies and storage', async (t) => {
  const p = await open('/shell');
  const frame = await (await p.$('#f'))!.contentFrame();
  await waitFor(
    async () => (await frame!.evaluate(() => (window as unknown as { storage?: string }).storage)) !== undefined,
    'the framed page',
  );
  const got = await frame!.evaluate(() => ({
    bust: (window as unknown as { bust: string }).bust,
    storage: (window as unknown as { storage: string }).storage,
    cookie: document.cookie,
  }));
  t.equal(got.bust, 'SecurityError', 'top.location = … throws in the sandboxed frame');
  t.equal(got.storage, 'v', 'localStorage works');
  t.match(got.cookie, /origin_sid=abc/, 'cookies set by the response are readable');
  t.equal(p.url(), `${base}/shell`, 'the top-level page stayed');
});
