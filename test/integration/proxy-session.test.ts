import t from 'tap';
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import { startFixtureOrigins } from '../fixtures/origins/index.js';
import { request, FRAME_NAV, type RawResponse } from '../fixtures/origins/http-client.js';
import { startTestGateway } from '../helpers/gateway.js';
import { newId } from '../../gateway/identity/tokens.js';

const origins = await startFixtureOrigins();
t.teardown(() => origins.close());
const gw = await startTestGateway({ TANDEM_ORIGIN: origins.site.url, TANDEM_ALLOW: origins.second.url, TANDEM_ORIGIN_TIMEOUT: '1s' });
t.teardown(() => gw.close());
const app = gw.running.app;

async function newSession(): Promise<{ id: string; customer: string; operator: string }> {
  const id = newId();
  await app.store.log.create(id);
  await app.store.directory.createSession(id, { status: 'active', createdAt: Date.now(), people: ['Customer', 'Olga'] });
  return {
    id,
    customer: app.tokens.hub(id, newId(), 'customer', 'Customer', 600_000),
    operator: app.tokens.hub(id, newId(), 'operator', 'Olga', 600_000),
  };
}

/** The origin cookies a browser would keep from a gateway response (name=value pairs). */
function browserCookies(r: RawResponse): string[] {
  return (r.headers['set-cookie'] ?? []).map((l) => l.split(';', 1)[0]);
}

const who = (r: RawResponse): string => /<p id="who">([^<]*)<\/p>/.exec(r.text)?.[1] ?? '(no answer)';

t.test('proxy-session: an operator sees the customer logged in, and no origin cookie reaches the operator', async (t) => {
  const s = await newSession();
  // The customer logs in before calling: no Tandem cookie yet.
  const login = await request(`${gw.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'user=alice',
  });
  t.equal(login.status, 303);
  const sid = browserCookies(login).find((c) => c.startsWith('sid='));
  t.ok(sid, 'the customer browser got its session cookie');
  const before = await request(`${gw.url}/account`, { headers: { ...FRAME_NAV, cookie: `tandem_p=${s.operator}` } });
  t.equal(who(before), 'Please log in', 'the jar is empty until the customer browses in the session');

  // In the session, the customer's next request carries the cookie; the jar learns it.
  const customerView = await request(`${gw.url}/page2`, { headers: { ...FRAME_NAV, cookie: `${sid}; tandem_p=${s.customer}` } });
  t.equal(customerView.status, 200);

  const operatorView = await request(`${gw.url}/account`, {
    headers: { ...FRAME_NAV, cookie: `tandem_p=${s.operator}; sid=operators-own` },
  });
  t.equal(who(operatorView), 'Logged in as alice', "the operator's own origin cookies are replaced by the session's");
  t.notOk(operatorView.headers['set-cookie'], 'no Set-Cookie to the operator');

  const cookiePage = await request(`${gw.url}/cookies/set`, { headers: { ...FRAME_NAV, cookie: `tandem_p=${s.operator}` } });
  t.equal(cookiePage.status, 200);
  t.notOk(cookiePage.headers['set-cookie'], 'an origin that sets cookies sets none in the operator browser');
  const echoed = await request(`${gw.url}/headers`, { headers: { cookie: `tandem_p=${s.operator}` } });
  const sent = String((JSON.parse(echoed.text) as { headers: Record<string, string> }).headers.cookie);
  t.match(sent, /sid=/);
  t.match(sent, /dom=3/, 'what the origin set for the operator is in the jar');
  t.notMatch(sent, /plain=1/, 'a cookie without Path is kept to its default path (/cookies)');
  t.notMatch(sent, /gone=/, 'Max-Age=0 deleted it');
  t.notMatch(sent, /tandem_p/);

  const stranger = await newSession();
  const other = await request(`${gw.url}/account`, { headers: { ...FRAME_NAV, cookie: `tandem_p=${stranger.operator}` } });
  t.equal(who(other), 'Please log in', "another session's operator gets nothing");
});

t.test('proxy-session: what the origin sets for the customer in a session is kept for the operator', async (t) => {
  const s = await newSession();
  const login = await request(`${gw.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tandem_p=${s.customer}` },
    body: 'user=bob',
  });
  t.ok(
    browserCookies(login).some((c) => c.startsWith('sid=')),
    'the customer still gets the cookie in the browser',
  );
  const view = await request(`${gw.url}/account`, { headers: { ...FRAME_NAV, cookie: `tandem_p=${s.operator}` } });
  t.equal(who(view), 'Logged in as bob');
});

t.test('proxy-session: an ended session lends its cookies no more', async (t) => {
  const s = await newSession();
  await request(`${gw.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tandem_p=${s.customer}` },
    body: 'user=carol',
  });
  t.equal(who(await request(`${gw.url}/account`, { headers: { cookie: `tandem_p=${s.operator}` } })), 'Logged in as carol');
  await app.store.directory.endSession(s.id, 60_000);
  const until = Date.now() + 10_000;
  let seen = '';
  while (Date.now() < until) {
    seen = who(await request(`${gw.url}/account`, { headers: { cookie: `tandem_p=${s.operator}` } }));
    if (seen === 'Please log in') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(seen, 'Please log in');
});

t.test(
  'proxy-session: a form POST of the customer reaches the origin once, rewritten as usual; an operator cannot repeat it',
  async (t) => {
    const s = await newSession();
    const postsBefore = origins.site.counters.posts;
    const submit = await request(`${gw.url}/submit`, {
      method: 'POST',
      headers: { ...FRAME_NAV, 'content-type': 'application/x-www-form-urlencoded', cookie: `tandem_p=${s.customer}` },
      body: 'name=Ann',
    });
    t.equal(submit.status, 200);
    t.match(submit.text, 'Thanks, Ann');
    t.equal(origins.site.counters.posts, postsBefore + 1, 'one POST at the origin');
    t.notMatch(submit.text, /data-kept=|__tandem_kept/, 'nothing is kept for others: operators see the answer in the mirror');

    const again = await request(`${gw.url}/submit`, {
      method: 'POST',
      headers: { ...FRAME_NAV, 'content-type': 'application/x-www-form-urlencoded', cookie: `tandem_p=${s.operator}` },
      body: 'name=Ann',
    });
    t.equal(again.status, 403, "an operator's POST through the proxy is refused");
    t.equal(origins.site.counters.posts, postsBefore + 1, 'still one POST at the origin');
    const old = await request(`${gw.url}/submit?__tandem_kept=AAAAAAAAAAAAAAAA`, {
      headers: { ...FRAME_NAV, cookie: `tandem_p=${s.operator}` },
    });
    t.notMatch(old.text, /Thanks, Ann/, "a kept-response address shows no one the submitter's answer");
  },
);

t.test('proxy-session: a WebSocket handshake that sets a cookie is kept in the jar; an operator opens no origin socket', async (t) => {
  const s = await newSession();
  const handshake = (cookie: string): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws?cookie`, { headers: { cookie } });
      ws.once('upgrade', (res) => {
        resolve(res);
        ws.terminate();
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res);
        ws.terminate();
      });
      ws.once('error', reject);
    });
  const customer = await handshake(`tandem_p=${s.customer}`);
  const lines = customer.headers['set-cookie'] ?? [];
  t.equal(lines.length, 1, 'the customer browser gets the cookie');
  t.notMatch(lines[0], /Domain=127\.0\.0\.1/i, 'with the gateway as its domain');
  const operator = await handshake(`tandem_p=${s.operator}`);
  t.equal(operator.statusCode, 403, "an operator's browser opens no socket to the origin (GET and HEAD only)");
  t.notOk(operator.headers['set-cookie'], 'the operator browser gets no cookie');
  const echoed = await request(`${gw.url}/headers`, { headers: { cookie: `tandem_p=${s.operator}` } });
  t.match(String((JSON.parse(echoed.text) as { headers: Record<string, string> }).headers.cookie), /wsc=1/, 'the jar has it');
});

t.test('proxy-session: an operator who responds before the customer browses again already sees the logged-in page', async (t) => {
  const login = await request(`${gw.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'user=carol',
  });
  const sid = browserCookies(login).find((c) => c.startsWith('sid='));
  t.ok(sid, 'the customer is logged in at the origin');
  // Call operator: the shell's POST carries the browser's origin cookies (Path=/).
  const created = await request(`${gw.url}/__tandem/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: sid! },
    body: '{}',
  });
  t.equal(created.status, 201);
  const { id } = JSON.parse(created.text) as { id: string };
  const operator = app.tokens.hub(id, newId(), 'operator', 'Olga', 600_000);
  const view = await request(`${gw.url}/account`, { headers: { ...FRAME_NAV, cookie: `tandem_p=${operator}` } });
  t.equal(who(view), 'Logged in as carol', 'the jar was seeded when the session was created');
  t.notOk(view.headers['set-cookie'], 'no Set-Cookie to the operator');
});
