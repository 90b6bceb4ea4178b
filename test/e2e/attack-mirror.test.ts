/**
 * The trust boundaries around the mirror, played as an attacker would, through the real gateway
 * in Chromium, with the console on an origin of its own (TANDEM_CONSOLE_URL, localhost beside
 * the customers' 127.0.0.1):
 *   - a hostile page in the customer's browser, and in a browser that also holds a console
 *     login, tries to reach console credentials, list or join sessions, or read logs;
 *   - hostile markup in the page: handler attributes, a `javascript:` link the operator clicks,
 *     `srcdoc`, SVG script, refresh and `<base>`: nothing runs in the operator's browser, and
 *     nothing loads from outside the gateway;
 *   - the operator's browser holds no origin cookie and never asks for an origin's document.
 */

import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request } from 'playwright-core';
import { freePort } from '../helpers/redis.js';
import { callOperator, eventually, openCustomer, startSharingEnv, OPERATOR_PASSWORD, type Tap } from './helpers/sharing.js';

/** Hits of the hostile page's beacons, by what they say ran, and where from. */
interface Beacons {
  hits: { what: string; role: string }[];
}

/**
 * Each payload reports where it ran: its shell's role (customer or operator) when it can read
 * it, `mirror` otherwise. In the customer's browser the page runs, so customer hits are expected;
 * an operator or mirror hit means script ran in the operator's browser.
 */
const WHO = `(function(){try{return top.document.body.dataset.role||'mirror'}catch(e){return 'mirror'}})()`;
/** Beacons go to the gateway by its full URL: `<base>` points elsewhere, and a mirror could reach it. */
const beacon = (what: string) => `new Image().src='GATEWAY/beacon?what=${what}&role='+${WHO}`;

const HOSTILE = `<!doctype html><html><head><meta charset="utf-8"><title>Hostile</title>
<base href="http://foreign.invalid/">
<meta http-equiv="refresh" content="60;url=/elsewhere">
<link rel="stylesheet" href="http://foreign.invalid/x.css">
</head><body>
<h1 id="title">Hostile page</h1>
<img id="onerror" src="/missing.png" onerror="${beacon('onerror')}">
<div id="onmouse" onmouseover="${beacon('onmouseover')}" onclick="${beacon('onclick')}" style="width:200px;height:40px;background:#eee">hover me</div>
<a id="jslink" href="javascript:${beacon('jslink')}">a javascript: link</a>
<iframe id="srcdoc" srcdoc="<script>${beacon('srcdoc').replace(/'/g, '&#39;')}</script>"></iframe>
<svg width="10" height="10"><script>${beacon('svg')}</script></svg>
<img id="foreign" src="http://foreign.invalid/pixel.png">
<div id="bg" style="background:url(http://foreign.invalid/bg.png);width:10px;height:10px"></div>
<script>document.getElementById('title').dataset.ran = 'yes';</script>
</body></html>`;

async function startHostileOrigin(): Promise<{ url: string; beacons: Beacons; gateway: { url: string }; close(): Promise<void> }> {
  const gateway = { url: '' };
  const beacons: Beacons = { hits: [] };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/beacon') {
      beacons.hits.push({ what: u.searchParams.get('what') ?? '', role: u.searchParams.get('role') ?? '' });
      res.writeHead(204).end();
      return;
    }
    if (u.pathname === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'set-cookie': 'origin_session=secret-origin-cookie; Path=/; HttpOnly',
      });
      res.end(HOSTILE.replaceAll('GATEWAY', gateway.url));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, beacons, gateway, close: () => new Promise((r) => server.close(() => r())) };
}

async function splitEnv(t: Tap) {
  const port = await freePort();
  const customers = `http://127.0.0.1:${port}`;
  const consoleUrl = `http://localhost:${port}`;
  const env = await startSharingEnv(t, {
    env: { TANDEM_PORT: String(port), TANDEM_PUBLIC_URL: customers, TANDEM_CONSOLE_URL: consoleUrl },
  });
  return { env, customers, consoleUrl };
}

t.test(
  'trust: a hostile page in the customer browser, beside a console login, reaches no console credential, session list or log',
  async (t) => {
    const { env, customers, consoleUrl } = await splitEnv(t);
    const customer = await openCustomer(env, '/fields', { base: customers });
    const call = await callOperator(customer);
    // The same browser also holds a console login (the operator tried the site in another tab).
    const login = await customer.context.request.post(`${consoleUrl}/__tandem/api/login`, {
      data: { name: 'alice', password: OPERATOR_PASSWORD },
    });
    t.equal(login.status(), 200, 'the console login works on the console origin');

    const attempts = await customer.content().evaluate(async (consoleBase) => {
      const out: Record<string, string> = {};
      const tryFetch = async (name: string, url: string, init: RequestInit = {}) => {
        try {
          const r = await fetch(url, { credentials: 'include', ...init });
          out[name] = `${r.status} ${(await r.text()).slice(0, 200)}`;
        } catch (e) {
          out[name] = `blocked: ${String(e).slice(0, 80)}`;
        }
      };
      await tryFetch('list-here', '/__tandem/api/sessions');
      await tryFetch('list-console', `${consoleBase}/__tandem/api/sessions`);
      await tryFetch('me-console', `${consoleBase}/__tandem/api/me`);
      await tryFetch('join-console', `${consoleBase}/__tandem/api/join`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ code: document.title }),
      });
      await tryFetch('console-page', `${consoleBase}/__tandem/console`);
      out.cookies = document.cookie;
      out.shell = parent.document.getElementById('tandem-config')?.textContent ?? '';
      return out;
    }, consoleUrl);
    t.match(attempts['list-here'], /^403 /, 'the customers origin answers no operator call');
    t.match(attempts['list-console'], /^blocked/, 'the console origin does not answer a page of the customers origin');
    t.match(attempts['me-console'], /^blocked/, 'nor say who is logged in');
    t.match(attempts['console-page'], /^blocked/, 'nor hand it the console page');
    t.notMatch(attempts.shell, /operator/, "the customer's shell holds no operator credential");
    t.notMatch(attempts.cookies, /tandem/, 'no Tandem cookie is readable by the page');

    // Server side: nobody joined, and the log was not read by the page.
    const r = await env.browser.newContext();
    t.teardown(() => r.close());
    await r.request.post(`${consoleUrl}/__tandem/api/login`, { data: { name: 'bob', password: OPERATOR_PASSWORD } });
    const list = (await (await r.request.get(`${consoleUrl}/__tandem/api/sessions`)).json()) as { calls: { id: string }[] };
    t.ok(
      list.calls.some((c) => c.id === call.id || (c as { session?: string }).session === call.id) || JSON.stringify(list).includes(call.id),
      'the call still waits: the hostile page took nothing from the queue',
    );
  },
);

t.test(
  'mirror: hostile markup runs nothing in the operator browser, loads nothing from outside, and no origin cookie reaches it',
  async (t) => {
    const origin = await startHostileOrigin();
    t.teardown(() => origin.close());
    const port = await freePort();
    const customers = `http://127.0.0.1:${port}`;
    const consoleUrl = `http://localhost:${port}`;
    const env = await startSharingEnv(t, {
      env: { TANDEM_ORIGIN: origin.url, TANDEM_PORT: String(port), TANDEM_PUBLIC_URL: customers, TANDEM_CONSOLE_URL: consoleUrl },
    });
    origin.gateway.url = customers;
    origin.gateway.url = customers;
    const customer = await openCustomer(env, '/', { base: customers });
    await eventually(
      async () => (await customer.content().getAttribute('#title', 'data-ran')) === 'yes',
      "the page's own script runs for the customer",
    );
    const call = await callOperator(customer);

    const requests: Request[] = [];
    const operatorCtx = await env.browser.newContext({ viewport: { width: 1200, height: 800 } });
    t.teardown(() => operatorCtx.close());
    operatorCtx.on('request', (req) => requests.push(req));
    await operatorCtx.request.post(`${consoleUrl}/__tandem/api/login`, { data: { name: 'alice', password: OPERATOR_PASSWORD } });
    const page = await operatorCtx.newPage();
    await page.goto(`${consoleUrl}/__tandem/s/${call.id}`);
    const mirror = () => page.mainFrame().childFrames()[0];
    await page.waitForFunction(() => document.querySelector('[data-tandem="status"]')?.textContent === 'connected');
    await eventually(async () => !!mirror() && (await mirror().textContent('#title')) === 'Hostile page', 'the mirror shows the page');

    // The operator hovers, clicks the handler element and the javascript: link.
    await mirror().hover('#onmouse');
    await mirror().click('#onmouse');
    await mirror().click('#jslink');
    // Long enough for any deferred payload.
    await new Promise((r) => setTimeout(r, 2000));

    const fromOperator = origin.beacons.hits.filter((h) => h.role !== 'customer');
    t.same(fromOperator, [], 'no payload ran in the operator browser');
    t.equal(await mirror().textContent('#title'), 'Hostile page', 'the mirror was not navigated away');
    t.same(
      await mirror().evaluate(() => ({
        refresh: document.querySelectorAll('meta[http-equiv]').length,
        base: document.querySelector('base')?.getAttribute('href') ?? null,
        handlers: Array.from(document.querySelectorAll('*')).filter((e) => Array.from(e.attributes).some((a) => a.name.startsWith('on')))
          .length,
        srcdoc: document.querySelectorAll('[srcdoc]').length,
        js: document.querySelectorAll('[href^="javascript:"]').length,
      })),
      { refresh: 0, base: null, handlers: 0, srcdoc: 0, js: 0 },
      'the mirror holds no refresh, base, handler, srcdoc or javascript: URL',
    );
    await eventually(
      async () => origin.beacons.hits.some((h) => h.what === 'onclick' && h.role === 'customer'),
      "the operator's click carried out in the customer's page",
    );
    t.notOk(
      origin.beacons.hits.some((h) => h.what === 'jslink' && h.role !== 'customer'),
      'a javascript: link clicked in the mirror runs nowhere in the operator browser',
    );

    const foreign = requests.filter(
      (r) =>
        !r.url().startsWith(customers + '/') &&
        !r.url().startsWith(consoleUrl + '/') &&
        !r.url().startsWith('data:') &&
        !r.url().startsWith('about:'),
    );
    t.same(
      foreign.map((r) => r.url()),
      [],
      'the operator browser requested nothing outside the gateway',
    );
    const originDocs = requests.filter((r) => {
      const u = new URL(r.url());
      return u.origin === customers && !u.pathname.startsWith('/__tandem/r/') && !u.pathname.startsWith('/__tandem/assets/');
    });
    t.same(
      originDocs.map((r) => r.url()),
      [],
      "the operator browser never asked the customers' origin for anything but the mirror's resources",
    );
    t.ok(
      requests.every((r) => !r.url().startsWith(customers) || r.method() === 'GET' || r.method() === 'HEAD'),
      'and only with GET',
    );
    const cookies = await operatorCtx.cookies();
    t.same(
      cookies.filter((c) => !c.name.startsWith('tandem_')).map((c) => c.name),
      [],
      'no origin cookie reached the operator browser',
    );
    t.ok(
      cookies.every((c) => c.domain === 'localhost'),
      'the operator holds cookies of the console origin only',
    );
  },
);
