import t, { type Test } from 'tap';
import * as cheerio from 'cheerio';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

// No TANDEM_ORIGIN: the gateway starts the demo bank itself, as `npm start` does.
let gw: TestGateway;
t.before(async () => {
  gw = await startTestGateway();
});
t.teardown(() => gw?.close());

const frame = { 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate' };

async function logIn(t: Test): Promise<string> {
  const res = await fetch(gw.url + '/login', {
    method: 'POST',
    redirect: 'manual',
    headers: { ...frame, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'demo', password: 'demo', next: '/account' }),
  });
  t.equal(res.status, 303, 'the login answer comes through the gateway');
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  t.match(cookie, /^demo_session=/, "the origin's session cookie reaches the customer");
  return cookie;
}

t.test('demo mode: the gateway starts the demo bank and fronts it', async (t) => {
  const demo = gw.running.demo;
  t.ok(demo, 'a demo site runs');
  t.equal(gw.running.app.origin, demo!.url, 'the demo site is the primary origin');
  t.match(demo!.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'on a loopback port');
});

t.test('demo mode: the customer URL opens the shell with the same path in its content frame', async (t) => {
  const res = await fetch(gw.url + '/rates', { headers: { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' } });
  t.equal(res.status, 200);
  const $ = cheerio.load(await res.text());
  t.equal($('iframe[data-tandem="content"]').attr('src'), '/rates');
  t.equal($('[data-tandem="connect"]').text(), 'Call operator');
});

t.test('demo mode: a page behind login redirects inside the gateway when logged out', async (t) => {
  const res = await fetch(gw.url + '/account', { redirect: 'manual', headers: frame });
  t.equal(res.status, 302);
  t.equal(res.headers.get('location'), '/login?next=%2Faccount');
});

t.test('demo mode: after logging in, the account page comes through the gateway with the hooks and no origin URL', async (t) => {
  const cookie = await logIn(t);
  const res = await fetch(gw.url + '/account', { redirect: 'manual', headers: { ...frame, cookie } });
  t.equal(res.status, 200);
  const html = await res.text();
  const $ = cheerio.load(html);
  t.equal($('h1').first().text(), 'Your accounts');
  t.equal($('#signed-in-user').text(), 'demo');
  t.ok($('#transactions tbody tr').length >= 40);
  t.ok($('script[data-tandem-hooks]').length === 1, 'the hooks are injected');
  // The hooks' own tag names the origin so the page runtime can map URLs; nothing else may.
  $('script[data-tandem-hooks]').remove();
  const origin = gw.running.demo!.url;
  t.notOk($.html().includes(origin), `no link points at the origin ${origin} directly`);
  t.equal($('a.brand').attr('href'), '/', 'the absolute self-link is mapped to the gateway');
});

t.test('demo mode: a transfer posted through the gateway reaches the demo bank exactly once', async (t) => {
  const cookie = await logIn(t);
  const before = gw.running.demo!.stats.transfers;
  const res = await fetch(gw.url + '/transfer', {
    method: 'POST',
    redirect: 'manual',
    headers: { ...frame, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      from: 'current',
      to: 'Gateway Test',
      iban: 'DE89 3704 0044 0532 0130 00',
      amount: '10',
      reference: 'via tandem',
      date: '',
    }),
  });
  t.equal(res.status, 200);
  const $ = cheerio.load(await res.text());
  t.equal($('#sent-to').text(), 'Gateway Test');
  t.equal(gw.running.demo!.stats.transfers, before + 1);
});
