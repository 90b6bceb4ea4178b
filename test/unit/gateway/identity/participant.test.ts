import t from 'tap';
import type { IncomingMessage } from 'node:http';
import { originCookies, parseCookieHeader, serializeCookies, tandemCookie } from '../../../../gateway/identity/cookies.js';
import { Participants } from '../../../../gateway/identity/participant.js';
import { CookieJar, seedJarFromRequest } from '../../../../gateway/proxy/cookie-jar.js';
import { membersKey, Standing } from '../../../../gateway/identity/standing.js';
import { Tokens } from '../../../../gateway/identity/tokens.js';
import { createStore } from '../../../../store/index.js';
import type { App } from '../../../../gateway/app.js';

t.test('participant: cookie headers split and join as browsers send them', async (t) => {
  t.same(parseCookieHeader('a=1; b = 2;c=x=y; ;flag'), [
    { name: 'a', value: '1' },
    { name: 'b', value: '2' },
    { name: 'c', value: 'x=y' },
    { name: '', value: 'flag' },
  ]);
  t.equal(serializeCookies(parseCookieHeader('a=1; b=2;flag')), 'a=1; b=2; flag');
});

t.test('participant: a Tandem cookie is read from the one parser: the first of its name, unquoted and decoded', async (t) => {
  t.equal(tandemCookie('a=1; tandem_p=x%2By; tandem_p=later', 'tandem_p'), 'x+y');
  t.equal(tandemCookie('tandem_console="q.r"', 'tandem_console'), 'q.r');
  t.equal(tandemCookie('bad=%E0%A4%A', 'bad'), '%E0%A4%A', 'a broken escape is kept as is');
  t.equal(tandemCookie(undefined, 'tandem_p'), undefined);
  t.equal(tandemCookie('junk; other=1', 'tandem_p'), undefined);
});

t.test('participant: no tandem_ cookie is ever an origin cookie', async (t) => {
  t.same(
    originCookies('tandem_p=x; a=1; TANDEM_console=y; tandem_=z; b=2').map((c) => c.name),
    ['a', 'b'],
  );
});

t.test('participant: a valid tandem_p of a live session names the participant', async (t) => {
  const store = await createStore({});
  t.teardown(() => store.close());
  const tokens = new Tokens('0123456789abcdef0123');
  const app = { tokens, store } as unknown as App;
  const accounts = new Set(['Olga']);
  const participants = new Participants(app, new Standing(store.directory, { get: async (n) => accounts.has(n) || null }, 0), 0);
  const rec = await store.directory.createSession('s1', { status: 'active', createdAt: Date.now(), people: [] });
  t.ok(rec);
  const req = (cookie?: string): IncomingMessage => ({ headers: cookie ? { cookie } : {} }) as IncomingMessage;

  const token = tokens.hub('s1', 'p1', 'operator', 'Olga', 60_000);
  t.same(await participants.of(req(`a=1; tandem_p=${token}`)), { session: 's1', id: 'p1', role: 'operator' });
  t.equal(await participants.of(req()), null);
  t.equal(await participants.of(req(`tandem_p=${token}x`)), null, 'forged');
  t.equal(await participants.of(req(`tandem_p=${tokens.hub('s1', 'p1', 'operator', 'Olga', -1)}`)), null, 'expired');
  t.equal(await participants.of(req(`tandem_p=${tokens.hub('nope', 'p1', 'operator', 'Olga', 60_000)}`)), null, 'unknown session');
  const member = (m: Record<string, unknown>) => store.directory.hashSet(membersKey('s1'), 'Olga', JSON.stringify(m), 60_000);
  await member({ participant: 'p1', joinedAt: 1 });
  t.same(await participants.of(req(`tandem_p=${token}`)), { session: 's1', id: 'p1', role: 'operator' }, 'a member');
  accounts.delete('Olga');
  t.equal(await participants.of(req(`tandem_p=${token}`)), null, 'a removed account lends nothing');
  accounts.add('Olga');
  await member({ participant: 'p1', joinedAt: 1, leftAt: 2 });
  t.equal(await participants.of(req(`tandem_p=${token}`)), null, 'an operator who left gets nothing');
  await member({ participant: 'p1', joinedAt: 1 });
  await store.directory.endSession('s1', 60_000);
  t.equal(await participants.of(req(`tandem_p=${token}`)), null, 'an ended session lends nothing');
});

t.test('participant: a session start seeds the jar with the customer cookies of the primary origin', async (t) => {
  const store = await createStore({});
  t.teardown(() => store.close());
  const app = { store, origin: 'https://bank.example', config: { retentionMs: 60_000 } } as unknown as App;
  await seedJarFromRequest(app, 's9', { headers: { cookie: 'sid=42; tandem_p=tok' } } as unknown as IncomingMessage);
  const jar = new CookieJar(store.directory, 60_000);
  t.equal(await jar.headerFor('s9', new URL('https://bank.example/account')), 'sid=42');
});
