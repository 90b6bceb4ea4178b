import t from 'tap';
import {
  CookieJar,
  cookiesFor,
  defaultPath,
  MAX_JAR_COOKIES,
  parseSetCookie,
  pathMatches,
  type JarCookie,
} from '../../../../gateway/proxy/cookie-jar.js';
import { createStore } from '../../../../store/index.js';

const NOW = Date.UTC(2026, 0, 1);
const at = (u: string): URL => new URL(u);

t.test('cookie-jar: Set-Cookie attributes are read as RFC 6265 says', async (t) => {
  const plain = parseSetCookie('sid=abc', at('https://www.bank.example/account/login'), NOW)!;
  t.same(plain.cookie, {
    name: 'sid',
    value: 'abc',
    domain: 'www.bank.example',
    hostOnly: true,
    path: '/account',
    expires: null,
    secure: false,
  });
  t.equal(plain.remove, false);

  const full = parseSetCookie(
    'a=1; Domain=.Bank.Example; Path=/x; Secure; HttpOnly; Max-Age=60; Expires=Wed, 01 Jan 2031 00:00:00 GMT',
    at('https://www.bank.example/'),
    NOW,
  )!;
  t.equal(full.cookie.domain, 'bank.example');
  t.equal(full.cookie.hostOnly, false);
  t.equal(full.cookie.path, '/x');
  t.equal(full.cookie.secure, true);
  t.equal(full.cookie.expires, NOW + 60_000, 'Max-Age wins over Expires');

  t.equal(parseSetCookie('a=1; Max-Age=0', at('https://bank.example/'), NOW)!.remove, true);
  t.equal(parseSetCookie('a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT', at('https://bank.example/'), NOW)!.remove, true);
  t.equal(
    parseSetCookie('a=1; Path=relative', at('https://bank.example/p/q'), NOW)!.cookie.path,
    '/p',
    'a path not starting with / is the default path',
  );
  t.equal(parseSetCookie('a=1; Domain=evil.example', at('https://bank.example/'), NOW), null, 'a foreign Domain is ignored');
  t.equal(parseSetCookie('a=1; Domain=example', at('http://127.0.0.1:8080/'), NOW), null);
  t.equal(parseSetCookie('novalue', at('https://bank.example/'), NOW), null);
  t.equal(parseSetCookie('=x', at('https://bank.example/'), NOW), null);
});

t.test('cookie-jar: default path and path matching', async (t) => {
  t.equal(defaultPath('/'), '/');
  t.equal(defaultPath('/a'), '/');
  t.equal(defaultPath('/a/b'), '/a');
  t.ok(pathMatches('/account', '/account'));
  t.ok(pathMatches('/account/x', '/account'));
  t.ok(pathMatches('/account/x', '/account/'));
  t.notOk(pathMatches('/accounts', '/account'));
  t.notOk(pathMatches('/', '/account'));
});

t.test('cookie-jar: cookies go where a browser would send them, most specific path first', async (t) => {
  const c = (o: Partial<JarCookie>): JarCookie => ({
    name: 'n',
    value: 'v',
    domain: 'bank.example',
    hostOnly: false,
    path: '/',
    expires: null,
    secure: false,
    ...o,
  });
  const jar = [
    c({ name: 'host', domain: 'www.bank.example', hostOnly: true }),
    c({ name: 'wide' }),
    c({ name: 'deep', path: '/account' }),
    c({ name: 'sec', secure: true }),
    c({ name: 'old', expires: NOW - 1 }),
    c({ name: 'other', domain: 'other.example' }),
  ];
  t.same(
    cookiesFor(jar, at('https://www.bank.example/account/1'), NOW).map((x) => x.name),
    ['deep', 'host', 'wide', 'sec'],
  );
  t.same(
    cookiesFor(jar, at('http://static.bank.example/'), NOW).map((x) => x.name),
    ['wide'],
    'host-only stays on its host; Secure only over https',
  );
});

t.test('cookie-jar: a session jar records responses and requests and answers for operators', async (t) => {
  const store = await createStore({});
  t.teardown(() => store.close());
  const jar = new CookieJar(store.directory, 60_000);
  const site = at('http://127.0.0.1:9000/login');

  await jar.recordResponse('s1', site, ['sid=one; Path=/; HttpOnly', 'scoped=2; Path=/account', 'gone=x; Max-Age=0']);
  t.equal(await jar.headerFor('s1', at('http://127.0.0.1:9000/account/x')), 'scoped=2; sid=one');
  t.equal(await jar.headerFor('s1', at('http://127.0.0.1:9000/')), 'sid=one');
  t.equal(await jar.headerFor('s1', at('http://127.0.0.2:9000/')), '', 'another host gets nothing');
  t.equal(await jar.headerFor('s1', at('http://127.0.0.1:9001/')), 'sid=one', 'cookies ignore ports, as in browsers');
  t.equal(await jar.headerFor('s2', at('http://127.0.0.1:9000/')), '', 'another session gets nothing');

  await jar.recordRequest('s1', at('http://127.0.0.1:9000/account/x'), [
    { name: 'scoped', value: '3' },
    { name: 'sid', value: 'one' },
    { name: 'fromscript', value: 'y' },
  ]);
  t.equal(
    await jar.headerFor('s1', at('http://127.0.0.1:9000/account/x')),
    'scoped=3; sid=one; fromscript=y',
    'values updated in place, new names kept host-wide',
  );

  await jar.recordResponse('s1', site, ['sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/']);
  t.equal(await jar.headerFor('s1', at('http://127.0.0.1:9000/')), 'fromscript=y', 'a deletion removes the cookie');
});

t.test('cookie-jar: an origin that floods Set-Cookie fills the jar only up to its cap', async (t) => {
  const store = await createStore({});
  t.teardown(() => store.close());
  const jar = new CookieJar(store.directory, 60_000);
  const url = new URL('https://bank.example/');
  await jar.recordResponse(
    's',
    url,
    Array.from({ length: MAX_JAR_COOKIES + 50 }, (_, i) => `c${i}=${i}`),
  );
  t.equal((await jar.load('s')).length, MAX_JAR_COOKIES);
  await jar.recordResponse('s', url, ['c0=changed']);
  t.match(await jar.headerFor('s', url), /(^|; )c0=changed(;|$)/, 'known cookies still change');
  await jar.recordRequest('s', url, [{ name: 'extra', value: '1' }]);
  t.equal((await jar.load('s')).length, MAX_JAR_COOKIES, 'nor from requests');
});
