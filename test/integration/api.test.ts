import t, { type Test } from 'tap';
import { startApiGateway, call, login, cookieFrom, type ApiGateway } from './api-helpers.js';
import { HubClient } from '../helpers/hub-client.js';

let g: ApiGateway;
t.before(async () => {
  g = await startApiGateway();
});
t.teardown(() => g.close());

const api = (method: string, path: string, opts: Parameters<typeof call>[3] = {}) => call(g.url, method, `/__tandem/api${path}`, opts);

function isJsonError(t: Test, r: Awaited<ReturnType<typeof api>>, status: number, code: string): void {
  t.equal(r.status, status, `status ${status}`);
  t.match(r.headers.get('content-type') ?? '', /application\/json/, 'JSON answer');
  t.equal(r.body.error, code, `error ${code}`);
  t.type(r.body.message, 'string', 'with a message');
}

async function newCall(name = 'Ada'): Promise<{ id: string; code: string; token: string; cookie: string }> {
  const r = await api('POST', '/sessions', { body: { url: '/accounts', name } });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
  return {
    id: r.body.id as string,
    code: r.body.code as string,
    token: r.body.token as string,
    cookie: cookieFrom(r.headers, 'tandem_p')!.pair,
  };
}

t.test('api: login answers a console token and sets an HttpOnly SameSite cookie on /__tandem', async (t) => {
  const r = await api('POST', '/login', { body: { name: 'alice', password: 'alice-pw' } });
  t.equal(r.status, 200);
  t.type(r.body.token, 'string');
  const c = cookieFrom(r.headers, 'tandem_console');
  t.ok(c, 'console cookie set');
  t.match(c!.attributes, /HttpOnly/);
  t.match(c!.attributes, /SameSite=Lax/);
  t.match(c!.attributes, /Path=\/__tandem(;|$)/);
  t.notMatch(c!.attributes, /Secure/, 'not Secure over plain http');
  const me = await api('GET', '/me', { cookie: c!.pair });
  t.same(me.body, { name: 'alice' }, 'the cookie logs the console in');
  const meBearer = await api('GET', '/me', { token: r.body.token as string });
  t.same(meBearer.body, { name: 'alice' }, 'so does the token as Bearer');
});

t.test('api: a wrong password, an unknown name and a malformed login are refused', async (t) => {
  isJsonError(t, await api('POST', '/login', { body: { name: 'carol', password: 'nope' } }), 401, 'TANDEM_ERR_UNAUTHORIZED');
  isJsonError(t, await api('POST', '/login', { body: { name: 'mallory', password: 'x' } }), 401, 'TANDEM_ERR_UNAUTHORIZED');
  isJsonError(t, await api('POST', '/login', { body: { name: 'alice' } }), 400, 'TANDEM_ERR_BAD_REQUEST');
  isJsonError(t, await api('POST', '/login', { body: 'not an object' }), 400, 'TANDEM_ERR_BAD_REQUEST');
  const raw = await fetch(`${g.url}/__tandem/api/login`, { method: 'POST', body: '{broken' });
  t.equal(raw.status, 400, 'broken JSON is a 400');
});

t.test('api: repeated failed logins for a name are answered 429 with Retry-After, even with the right password', async (t) => {
  for (let i = 0; i < 5; i++) t.equal((await api('POST', '/login', { body: { name: 'bob', password: `guess-${i}` } })).status, 401);
  const r = await api('POST', '/login', { body: { name: 'bob', password: 'bob-pw' } });
  isJsonError(t, r, 429, 'TANDEM_ERR_RATE_LIMITED');
  t.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After in seconds');
});

t.test('api: logout clears the console cookie', async (t) => {
  const r = await api('POST', '/logout');
  t.equal(r.status, 200);
  t.match(cookieFrom(r.headers, 'tandem_console')!.attributes, /Max-Age=0/);
});

t.test('api: a customer call creates a waiting session with a 6-digit code and sets tandem_p', async (t) => {
  const r = await api('POST', '/sessions', { body: { url: '/loans', name: 'Grace' } });
  t.equal(r.status, 201);
  t.match(r.body, { id: String, code: /^\d{6}$/, token: String, status: 'waiting' });
  const c = cookieFrom(r.headers, 'tandem_p');
  t.ok(c, 'participant cookie set');
  t.match(c!.attributes, /Path=\/(;|$)/);
  t.match(c!.attributes, /HttpOnly/);
  t.match(c!.attributes, /SameSite=Lax/);

  const current = await api('GET', '/session', { cookie: c!.pair });
  t.match(
    current.body,
    { id: r.body.id, code: r.body.code, token: r.body.token, role: 'customer', status: 'waiting' },
    'a reload finds the session again',
  );
  const again = await api('POST', '/sessions', { cookie: c!.pair, body: {} });
  t.equal(again.body.id, r.body.id, 'pressing Call again while waiting is the same session');
  isJsonError(t, await api('GET', '/session'), 404, 'TANDEM_ERR_UNKNOWN_SESSION');
  isJsonError(t, await api('GET', '/session', { cookie: 'tandem_p=forged.token' }), 404, 'TANDEM_ERR_UNKNOWN_SESSION');
});

t.test('api: operator calls need a console login', async (t) => {
  const s = await newCall();
  const paths: [string, string][] = [
    ['GET', '/sessions'],
    ['GET', '/sessions?past=1'],
    ['GET', '/me'],
    ['GET', '/calls/events'],
    ['POST', `/sessions/${s.id}/join`],
    ['POST', '/join'],
    ['GET', `/sessions/${s.id}/log`],
  ];
  for (const [method, path] of paths) {
    isJsonError(t, await api(method, path, { body: method === 'POST' ? { code: s.code } : undefined }), 401, 'TANDEM_ERR_UNAUTHORIZED');
    isJsonError(
      t,
      await api(method, path, { token: s.token, body: method === 'POST' ? { code: s.code } : undefined }),
      401,
      'TANDEM_ERR_UNAUTHORIZED',
    );
    isJsonError(
      t,
      await api(method, path, { cookie: s.cookie, body: method === 'POST' ? { code: s.code } : undefined }),
      401,
      'TANDEM_ERR_UNAUTHORIZED',
    );
  }
  isJsonError(t, await api('GET', '/sessions', { token: 'eyJraW5kIjoiY29uc29sZSJ9.forged' }), 401, 'TANDEM_ERR_UNAUTHORIZED');
  const alice = await login(g.url, 'alice');
  t.equal(
    (await api('GET', '/sessions', { cookie: `tandem_console=${alice}`, headers: { 'sec-fetch-site': 'same-origin' } })).status,
    200,
    'the cookie works from the console',
  );
  isJsonError(
    t,
    await api('GET', '/sessions', { cookie: `tandem_console=${alice}`, headers: { 'sec-fetch-site': 'cross-site' } }),
    403,
    'TANDEM_ERR_FORBIDDEN',
  );
});

t.test('api: the first operator to respond takes the call, the next gets 409 unless joining deliberately', async (t) => {
  const s = await newCall();
  const [alice, carol] = [await login(g.url, 'alice'), await login(g.url, 'carol')];
  const listed = await api('GET', '/sessions', { token: alice });
  t.equal(listed.status, 200);
  t.ok(
    (listed.body.sessions as { id: string; status: string }[]).some((x) => x.id === s.id && x.status === 'waiting'),
    'the waiting session is listed',
  );
  t.ok(
    (listed.body.calls as { sessionId: string; kind: string }[]).some((c) => c.sessionId === s.id && c.kind === 'call'),
    'and its call',
  );

  const [a, c] = await Promise.all([
    api('POST', `/sessions/${s.id}/join`, { token: alice }),
    api('POST', `/sessions/${s.id}/join`, { token: carol }),
  ]);
  const winner = a.status === 200 ? a : c;
  const loser = a.status === 200 ? c : a;
  t.equal(winner.status, 200, 'one operator gets it');
  t.type(winner.body.token, 'string', 'with a hub token');
  isJsonError(t, loser, 409, 'TANDEM_ERR_CALL_TAKEN');

  const winnerToken = winner === a ? alice : carol;
  const loserToken = winner === a ? carol : alice;
  t.equal((await api('POST', `/sessions/${s.id}/join`, { token: winnerToken })).status, 200, 'the operator who took it may reopen it');
  t.equal(
    (await api('POST', `/sessions/${s.id}/join?force=1`, { token: loserToken })).status,
    200,
    'force=1 joins an active session deliberately',
  );
  const after = await api('GET', '/sessions', { token: winnerToken });
  const rec = (after.body.sessions as { id: string; status: string; people: string[]; mine: boolean }[]).find((x) => x.id === s.id)!;
  t.equal(rec.status, 'active', 'the session is active');
  t.same(rec.people.slice().sort(), ['Ada', 'alice', 'carol'], 'everyone who took part');
  t.equal(rec.mine, true, 'and it is among the operator’s own sessions');
  t.notOk(
    (after.body.calls as { sessionId: string }[]).some((x) => x.sessionId === s.id),
    'the call left the queue',
  );
});

t.test('api: join by code answers the session id and a hub token', async (t) => {
  const s = await newCall();
  const alice = await login(g.url, 'alice');
  const r = await api('POST', '/join', { token: alice, body: { code: s.code } });
  t.equal(r.status, 200);
  t.equal(r.body.id, s.id);
  t.type(r.body.token, 'string');
  isJsonError(t, await api('POST', '/join', { token: alice, body: { code: '000000x' } }), 404, 'TANDEM_ERR_UNKNOWN_SESSION');
  isJsonError(t, await api('POST', '/join', { token: alice, body: {} }), 400, 'TANDEM_ERR_BAD_REQUEST');
  isJsonError(t, await api('POST', '/sessions/no-such-session-id/join', { token: alice }), 404, 'TANDEM_ERR_UNKNOWN_SESSION');
});

t.test('api: the log is JSON lines in seq order, for operators only', async (t) => {
  const s = await newCall();
  const log = g.gw.running.app.store.log;
  const sent = [
    { k: 'top', op: 'nav' as const, a: 'others' as const, d: { url: '/accounts' }, by: 'c1' },
    { k: 'top/scroll', op: 'scroll' as const, a: 'others' as const, d: { x: 0, y: 120 }, by: 'c1' },
    { k: 'top/form/0/email', op: 'input' as const, a: 'others' as const, d: { value: 'ada@example.com' }, by: 'c1' },
  ];
  for (const cmd of sent) await log.append(s.id, cmd);
  const alice = await login(g.url, 'alice');
  const r = await api('GET', `/sessions/${s.id}/log`, { token: alice });
  t.equal(r.status, 200);
  t.match(r.headers.get('content-type'), /application\/x-ndjson/);
  const lines = r.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { seq: number; k: string; op: string; d: unknown });
  t.same(
    lines.map((l) => ({ k: l.k, op: l.op, d: l.d })),
    sent.map((c) => ({ k: c.k, op: c.op, d: c.d })),
    'what was logged',
  );
  t.same(
    lines.map((l) => l.seq),
    [1, 2, 3],
    'in seq order',
  );
  isJsonError(t, await api('GET', `/sessions/${s.id}/log`, { token: s.token }), 401, 'TANDEM_ERR_UNAUTHORIZED');
  isJsonError(t, await api('GET', '/sessions/unknownsession1/log', { token: alice }), 404, 'TANDEM_ERR_UNKNOWN_SESSION');
});

t.test('api: invite puts a conference request in the queue that another operator takes', async (t) => {
  const s = await newCall();
  const [alice, bob2] = [await login(g.url, 'alice'), await login(g.url, 'carol')];
  const joined = await api('POST', `/sessions/${s.id}/join`, { token: alice });
  isJsonError(t, await api('POST', `/sessions/${s.id}/invite`), 401, 'TANDEM_ERR_UNAUTHORIZED');
  isJsonError(t, await api('POST', `/sessions/${s.id}/invite`, { token: s.token }), 403, 'TANDEM_ERR_FORBIDDEN');
  isJsonError(t, await api('POST', `/sessions/${s.id}/invite`, { token: bob2 }), 403, 'TANDEM_ERR_FORBIDDEN');
  const inv = await api('POST', `/sessions/${s.id}/invite`, { token: joined.body.token as string });
  t.equal(inv.status, 201, 'an operator in the session invites with their hub token');
  const queue = await api('GET', '/sessions', { token: bob2 });
  t.ok(
    (queue.body.calls as { sessionId: string; kind: string; requestedBy: string }[]).some(
      (c) => c.sessionId === s.id && c.kind === 'invite' && c.requestedBy === 'alice',
    ),
    'the invite waits in the queue',
  );
  const taken = await api('POST', `/sessions/${s.id}/join`, { token: bob2 });
  t.equal(taken.status, 200, 'the invited operator responds and joins');
  const after = await api('GET', '/sessions', { token: bob2 });
  t.notOk(
    (after.body.calls as { sessionId: string }[]).some((c) => c.sessionId === s.id),
    'the invite left the queue',
  );
});

t.test('api: leave is for an operator in the session; it clears their tandem_p', async (t) => {
  const s = await newCall();
  const alice = await login(g.url, 'alice');
  const j = await api('POST', `/sessions/${s.id}/join`, { token: alice });
  isJsonError(t, await api('POST', `/sessions/${s.id}/leave`), 401, 'TANDEM_ERR_UNAUTHORIZED');
  isJsonError(t, await api('POST', `/sessions/${s.id}/leave`, { token: s.token }), 403, 'TANDEM_ERR_FORBIDDEN');
  const r = await api('POST', `/sessions/${s.id}/leave`, { cookie: `tandem_p=${encodeURIComponent(j.body.token as string)}` });
  t.equal(r.status, 200);
  t.match(cookieFrom(r.headers, 'tandem_p')!.attributes, /Max-Age=0/, 'the participant cookie is cleared');
  const listed = await api('GET', '/sessions', { token: alice });
  t.equal(
    (listed.body.sessions as { id: string; mine: boolean }[]).find((x) => x.id === s.id)!.mine,
    false,
    'no longer among the operator’s sessions',
  );
});

t.test('api: leave ends the operator’s hub sockets in every tab; the customer’s goes on without them', async (t) => {
  const s = await newCall();
  const alice = await login(g.url, 'alice');
  const j = await api('POST', `/sessions/${s.id}/join`, { token: alice });
  const token = j.body.token as string;
  const customer = await HubClient.connectReplayed(g.url, s.token);
  t.teardown(() => customer.close());
  const tabs = [await HubClient.connectReplayed(g.url, token), await HubClient.connectReplayed(g.url, token)];
  t.teardown(() => tabs.forEach((c) => c.close()));
  const present = () => (customer.ofType('presence').at(-1)?.participants ?? []).some((p) => p.role === 'operator');
  await customer.until(present, 'the customer sees the operator');

  const r = await api('POST', `/sessions/${s.id}/leave`, { cookie: `tandem_p=${encodeURIComponent(token)}` });
  t.equal(r.status, 200);
  for (const [i, tab] of tabs.entries()) {
    t.equal((await tab.waitClosed()).code, 4000, `tab ${i + 1}: its socket is closed as ended`);
    t.ok(tab.ofType('ended').length > 0, `tab ${i + 1}: told the session ended for them`);
  }
  await customer.until(() => !present(), 'the customer no longer sees the operator');
  t.equal(customer.ws.readyState, 1, "the customer's socket stays open");
});

t.test('api: end is for the session’s own participants; afterwards its tokens stop working', async (t) => {
  const s = await newCall();
  const other = await newCall('Linus');
  const alice = await login(g.url, 'alice');
  const carol = await login(g.url, 'carol');
  const j = await api('POST', `/sessions/${s.id}/join`, { token: alice });
  isJsonError(t, await api('POST', `/sessions/${s.id}/end`), 401, 'TANDEM_ERR_UNAUTHORIZED');
  isJsonError(t, await api('POST', `/sessions/${s.id}/end`, { token: other.token }), 403, 'TANDEM_ERR_FORBIDDEN');
  isJsonError(t, await api('POST', `/sessions/${s.id}/end`, { token: carol }), 403, 'TANDEM_ERR_FORBIDDEN');

  const r = await api('POST', `/sessions/${s.id}/end`, { cookie: s.cookie });
  t.equal(r.status, 200, 'the customer ends it');
  t.match(cookieFrom(r.headers, 'tandem_p')!.attributes, /Max-Age=0/, 'and their cookie is cleared');
  isJsonError(t, await api('GET', '/session', { cookie: s.cookie }), 410, 'TANDEM_ERR_SESSION_ENDED');
  isJsonError(t, await api('POST', `/sessions/${s.id}/end`, { token: j.body.token as string }), 410, 'TANDEM_ERR_SESSION_ENDED');
  isJsonError(t, await api('POST', `/sessions/${s.id}/invite`, { token: j.body.token as string }), 410, 'TANDEM_ERR_SESSION_ENDED');
  isJsonError(t, await api('POST', `/sessions/${s.id}/join?force=1`, { token: carol }), 410, 'TANDEM_ERR_SESSION_ENDED');
  isJsonError(t, await api('POST', '/join', { token: carol, body: { code: s.code } }), 404, 'TANDEM_ERR_UNKNOWN_SESSION');

  const live = await api('GET', '/sessions', { token: alice });
  t.notOk(
    (live.body.sessions as { id: string }[]).some((x) => x.id === s.id),
    'gone from the live list',
  );
  const past = await api('GET', '/sessions?past=1', { token: alice });
  const rec = (past.body.sessions as { id: string; people: string[]; endedAt: number; durationMs: number }[]).find((x) => x.id === s.id);
  t.ok(rec, 'in the past sessions');
  t.same(rec!.people, ['Ada', 'alice'], 'who took part');
  t.ok(rec!.endedAt > 0 && rec!.durationMs >= 0, 'when and how long');

  const o = await api('POST', `/sessions/${other.id}/join`, { token: carol });
  t.equal(
    (await api('POST', `/sessions/${other.id}/end`, { token: o.body.token as string })).status,
    200,
    'an operator in a session may end it too',
  );
});

t.test('api: unknown calls and wrong methods are JSON errors', async (t) => {
  isJsonError(t, await api('GET', '/nothing-here'), 404, 'TANDEM_ERR_NOT_FOUND');
  isJsonError(t, await api('GET', '/login'), 405, 'TANDEM_ERR_METHOD');
  isJsonError(t, await api('DELETE', '/sessions'), 405, 'TANDEM_ERR_METHOD');
  const big = await fetch(`${g.url}/__tandem/api/sessions`, { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(40_000) }) });
  t.equal(big.status, 413, 'a body over the limit is refused');
});
