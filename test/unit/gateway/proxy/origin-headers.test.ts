import t from 'tap';
import type { IncomingMessage } from 'node:http';
import { GatewayAddress, OriginHeaders } from '../../../../gateway/proxy/origin-headers.js';
import { CookieJar } from '../../../../gateway/proxy/cookie-jar.js';
import { createOriginMap } from '../../../../protocol/url-map.js';
import { createStore } from '../../../../store/index.js';
import type { App } from '../../../../gateway/app.js';

const GW = 'http://gw.test:8080';
const map = createOriginMap('https://bank.example', ['https://cdn.example']);

function request(headers: Record<string, string>, remote = '203.0.113.7'): IncomingMessage {
  return { headers: { host: 'gw.test:8080', ...headers }, socket: { remoteAddress: remote } } as unknown as IncomingMessage;
}

async function setup(t: { teardown(fn: () => unknown): void }, trustedProxies: string[] = []) {
  const store = await createStore({});
  t.teardown(() => store.close());
  const warnings: string[] = [];
  const app = {
    config: { trustedProxies },
    store,
    metrics: { storeErrors: { inc: () => undefined } },
    log: { warn: (_o: unknown, msg: string) => warnings.push(msg) },
  } as unknown as App;
  const jar = new CookieJar(store.directory, 60_000);
  const gateway = new GatewayAddress(null, false, map);
  return { headers: new OriginHeaders(app, map, gateway, jar), jar, warnings };
}

t.test('origin headers: the origin sees its own Host, Referer and Origin, not the gateway', async (t) => {
  const { headers } = await setup(t);
  const target = new URL('https://bank.example/pay');
  const h = await headers.of(request({ referer: `${GW}/account?x=1`, origin: GW }), target, null, false);
  t.equal(h.host, 'bank.example');
  t.equal(h.referer, 'https://bank.example/account?x=1', "the page's real URL");
  t.equal(h.origin, 'https://bank.example');

  const cdn = await headers.of(request({ referer: `${GW}/__tandem/o/https/cdn.example/app/`, origin: GW }), target, null, false);
  t.equal(cdn.referer, 'https://cdn.example/app/', 'an allowed origin under /__tandem/o/');
  t.equal(cdn.origin, 'https://cdn.example', 'the Origin of the page that asked');

  const shell = await headers.of(request({ referer: `${GW}/__tandem/console` }), target, null, false);
  t.notOk('referer' in shell, "Tandem's own pages are never told to the origin");
  const foreign = await headers.of(
    request({ referer: 'https://elsewhere.example/x', origin: 'https://elsewhere.example' }),
    target,
    null,
    false,
  );
  t.equal(foreign.referer, 'https://elsewhere.example/x', 'a foreign Referer is left as the browser sent it');
  t.equal(foreign.origin, 'https://elsewhere.example');
});

t.test('origin headers: hop-by-hop headers and those Connection lists stay with the gateway', async (t) => {
  const { headers } = await setup(t);
  const h = await headers.of(
    request({
      connection: 'keep-alive, x-secret',
      'x-secret': '1',
      'keep-alive': '5',
      te: 'trailers',
      'x-page': 'kept',
      'accept-encoding': 'br, zstd',
    }),
    new URL('https://bank.example/'),
    null,
    false,
  );
  for (const name of ['connection', 'x-secret', 'keep-alive', 'te']) t.notOk(name in h, `${name} dropped`);
  t.equal(h['x-page'], 'kept');
  t.notMatch(String(h['accept-encoding']), /zstd/, 'only codings the gateway can read are asked for');
  const ws = await headers.of(request({ connection: 'Upgrade', upgrade: 'websocket' }), new URL('https://bank.example/ws'), null, true);
  t.equal(ws.connection, 'Upgrade');
  t.equal(ws.upgrade, 'websocket', 'a WebSocket handshake keeps its upgrade');
});

t.test("origin headers: a customer's origin cookies go on and into the jar; an operator's come from the jar only", async (t) => {
  const { headers } = await setup(t);
  const target = new URL('https://bank.example/account');
  const customer = { session: 's1', id: 'p1', role: 'customer' as const };
  const c = await headers.of(request({ cookie: 'tandem_p=token; sid=abc; theme=dark' }), target, customer, false);
  t.equal(c.cookie, 'sid=abc; theme=dark', "the customer's own, without Tandem's");

  const operator = { session: 's1', id: 'p2', role: 'operator' as const };
  const o = await headers.of(request({ cookie: 'tandem_p=op; sid=forged' }), target, operator, false);
  t.equal(o.cookie, 'sid=abc; theme=dark', "the operator's request carries the session's jar, not what their browser sent");
  const other = await headers.of(request({ cookie: 'sid=forged' }), target, { ...operator, session: 's2' }, false);
  t.notOk('cookie' in other, 'another session lends nothing');
  const none = await headers.of(request({ cookie: 'tandem_p=x' }), target, null, false);
  t.notOk('cookie' in none, 'no origin cookie, no header');
});

t.test('origin headers: X-Forwarded-For is the client, unless a trusted proxy relayed it', async (t) => {
  const direct = await setup(t);
  const h = await direct.headers.of(request({ 'x-forwarded-for': '10.9.9.9' }), new URL('https://bank.example/'), null, false);
  t.equal(h['x-forwarded-for'], '203.0.113.7', "a client's own claim is not passed on");
  t.equal(h['x-forwarded-proto'], 'http');
  t.equal(h['x-forwarded-host'], 'gw.test:8080');
  const behind = await setup(t, ['127.0.0.1']);
  const r = await behind.headers.of(
    request({ 'x-forwarded-for': '198.51.100.4' }, '127.0.0.1'),
    new URL('https://bank.example/'),
    null,
    false,
  );
  t.match(String(r['x-forwarded-for']), /198\.51\.100\.4/, 'relayed by a trusted proxy');
});
