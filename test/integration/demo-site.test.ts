import t from 'tap';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import * as cheerio from 'cheerio';
import { startDemoSite, type DemoSite } from '../../demo/site.js';

let site: DemoSite;
t.before(async () => {
  site = await startDemoSite();
});
t.teardown(() => site.close());

const get = (path: string, cookie = '') => fetch(site.url + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });
const post = (path: string, fields: Record<string, string>, cookie = '') =>
  fetch(site.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });

async function logIn(user = 'demo'): Promise<string> {
  const res = await post('/login', { username: user, password: 'demo', next: '/account' });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0];
}

async function stats(): Promise<{ transfers: number; logins: number; profileSaves: number }> {
  return (await get('/__demo/stats')).json() as Promise<{ transfers: number; logins: number; profileSaves: number }>;
}

/** A raw request, for the headers fetch will not let us set or hides from us (Host, gzip). */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(site.url + path, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

t.test('demo site: pages behind login redirect to the login form with the page to return to', async (t) => {
  for (const path of ['/account', '/transfer', '/profile']) {
    const res = await get(path);
    t.equal(res.status, 302, path);
    t.equal(res.headers.get('location'), `/login?next=${encodeURIComponent(path)}`, path);
  }
  const form = cheerio.load(await (await get('/login?next=%2Ftransfer')).text());
  t.equal(form('input[name=next]').val(), '/transfer');
  t.equal(form('#password').attr('type'), 'password');
});

t.test('demo site: logging in sets an HttpOnly session cookie and opens the account page', async (t) => {
  const res = await post('/login', { username: 'anna', password: 'secret', next: '/account' });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/account');
  const setCookie = res.headers.get('set-cookie') ?? '';
  t.match(setCookie, /^demo_session=[\w-]{16,};/);
  t.match(setCookie, /; Path=\//);
  t.match(setCookie, /; HttpOnly/);

  const page = await get('/account', setCookie.split(';')[0]);
  t.equal(page.status, 200);
  const $ = cheerio.load(await page.text());
  t.equal($('#signed-in-user').text(), 'anna');
  t.match($('#balance').text(), /^€[\d,]+\.\d\d$/);
  t.ok($('#transactions tbody tr').length >= 40, 'the transactions table is long enough to scroll');
  t.ok($('#inbox').length === 1, 'the account page has a scrollable inner element');
});

t.test('demo site: an empty password is refused and no session starts', async (t) => {
  const res = await post('/login', { username: 'anna', password: '' });
  t.equal(res.status, 401);
  t.equal(res.headers.get('set-cookie'), null);
  t.match(await res.text(), /Enter a user name and a password/);
});

t.test('demo site: login never redirects to another site', async (t) => {
  for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
    const res = await post('/login', { username: 'anna', password: 'x', next });
    t.equal(res.headers.get('location'), '/account', next);
  }
});

t.test('demo site: logging out ends the session', async (t) => {
  const cookie = await logIn();
  t.equal((await get('/account', cookie)).status, 200);
  const out = await post('/logout', {}, cookie);
  t.equal(out.status, 303);
  t.match(out.headers.get('set-cookie') ?? '', /demo_session=; .*Max-Age=0/);
  t.equal((await get('/account', cookie)).status, 302, 'the old cookie no longer opens the account');
});

t.test('demo site: a transfer POST is counted once and confirmed with a number and what was sent', async (t) => {
  const cookie = await logIn();
  const before = await stats();
  const form = cheerio.load(await (await get('/transfer', cookie)).text());
  t.equal(form('#from').prop('tagName'), 'SELECT');
  t.ok(form('#from option').length >= 2, 'several accounts to choose from');
  t.equal(form('#date').attr('type'), 'date');

  const res = await post(
    '/transfer',
    {
      from: 'savings',
      to: 'Bea Builder',
      iban: 'DE89 3704 0044 0532 0130 00',
      amount: '125.50',
      reference: 'Invoice 42',
      date: '2026-12-24',
    },
    cookie,
  );
  t.equal(res.status, 200);
  const $ = cheerio.load(await res.text());
  const after = await stats();
  t.equal(after.transfers, before.transfers + 1);
  t.equal($('#transfer-number').text(), `TR-${String(after.transfers).padStart(6, '0')}`);
  t.equal($('#sent-to').text(), 'Bea Builder');
  t.equal($('#sent-iban').text(), 'DE89 3704 0044 0532 0130 00');
  t.equal($('#sent-amount').text(), '€125.50');
  t.equal($('#sent-reference').text(), 'Invoice 42');
  t.equal($('#sent-date').text(), '2026-12-24');
  t.equal($('#sent-from').text(), 'Savings account');

  const account = cheerio.load(await (await get('/account', cookie)).text());
  t.match(account('#transactions tbody tr').first().text(), /Bea Builder/, 'the transfer shows first in the history');
});

t.test('demo site: an invalid transfer is refused with reasons and not counted', async (t) => {
  const cookie = await logIn();
  const before = await stats();
  const res = await post('/transfer', { from: 'current', to: '', iban: 'nope', amount: '-3', reference: '', date: '' }, cookie);
  t.equal(res.status, 422);
  const $ = cheerio.load(await res.text());
  t.equal($('#transfer-errors li').length, 3);
  t.equal($('#iban').val(), 'nope', 'what was typed is kept');
  t.equal((await stats()).transfers, before.transfers);
});

t.test('demo site: the profile form has every kind of field with the right attributes', async (t) => {
  const cookie = await logIn();
  const $ = cheerio.load(await (await get('/profile', cookie)).text());
  const form = $('#profile-form');
  t.equal(form.attr('method'), 'post');
  t.equal(form.attr('enctype'), 'multipart/form-data');
  for (const type of [
    'text',
    'email',
    'tel',
    'url',
    'number',
    'password',
    'search',
    'date',
    'time',
    'datetime-local',
    'month',
    'week',
    'color',
    'range',
    'file',
  ]) {
    t.ok(form.find(`input[type="${type}"]`).length >= 1, `an input of type ${type}`);
  }
  t.ok(form.find('input[type=checkbox][name=alerts]').length >= 3, 'a group of checkboxes');
  t.ok(form.find('input[type=radio][name=language]').length >= 3, 'a radio group');
  t.equal(form.find('select#country:not([multiple])').length, 1, 'a single select');
  t.equal(form.find('select#interests[multiple]').length, 1, 'a multiple select');
  t.equal(form.find('textarea#address').length, 1);
  t.equal(form.find('#notes').attr('contenteditable'), 'true');
  t.equal(form.find('#cardNumber').attr('autocomplete'), 'cc-number');
  t.equal(form.find('#cardExpiry').attr('autocomplete'), 'cc-exp');
  t.equal(form.find('#cardCvc').attr('autocomplete'), 'cc-csc');
  t.equal(form.find('#securityAnswer').attr('data-tandem-mask'), '');
  t.equal(form.find('#newPassword').val(), '', 'no password is ever sent back');
});

t.test('demo site: saving the profile shows the values but never a password or card number in full', async (t) => {
  const cookie = await logIn();
  const before = await stats();
  const body = new FormData();
  body.set('fullName', 'Chris Customer');
  body.set('email', 'chris@example.com');
  body.append('alerts', 'sms');
  body.append('alerts', 'post');
  body.append('interests', 'mortgage');
  body.append('interests', 'pension');
  body.set('language', 'de');
  body.set('newPassword', 'hunter2hunter2');
  body.set('cardNumber', '4111 1111 1111 1234');
  body.set('cardExpiry', '12/29');
  body.set('cardCvc', '987');
  body.set('securityAnswer', 'Rex the dog');
  body.set('notesText', 'Call after 5pm');
  body.set('avatar', new Blob([new Uint8Array(321)], { type: 'image/png' }), 'me.png');
  const res = await fetch(site.url + '/profile', { method: 'POST', headers: { cookie }, body });
  t.equal(res.status, 200);
  const text = await res.text();
  const $ = cheerio.load(text);
  t.equal($('#saved-fullName').text(), 'Chris Customer');
  t.equal($('#saved-alerts').text(), 'sms, post');
  t.equal($('#saved-interests').text(), 'mortgage, pension');
  t.equal($('#saved-language').text(), 'de');
  t.equal($('#saved-notes').text(), 'Call after 5pm');
  t.equal($('#saved-avatar').text(), 'me.png (321 bytes)');
  t.equal($('#saved-card').text(), '•••• •••• •••• 1234');
  for (const secret of ['hunter2hunter2', '4111 1111 1111 1234', '4111111111111234', '987', '12/29', 'Rex the dog']) {
    t.notOk(text.includes(secret), `${secret} is not echoed`);
  }
  t.equal((await stats()).profileSaves, before.profileSaves + 1);

  const again = cheerio.load(await (await get('/profile', cookie)).text());
  t.equal(again('#fullName').val(), 'Chris Customer', 'the saved profile fills the form next time');
  t.equal(again('#cardNumber').val(), '', 'the card number is not filled back in');
});

t.test('demo site: pages share a nav, carry absolute self-links from the Host header, and gzip when asked', async (t) => {
  const plain = await raw('/', { host: 'bank.test:4321' });
  const html = plain.body.toString('utf8');
  t.equal(plain.headers['content-encoding'], undefined);
  t.match(html, /<meta charset="utf-8">/);
  t.match(html, /<link rel="stylesheet" href="\/static\/site.css">/);
  t.match(html, /href="http:\/\/bank\.test:4321\/rates"/);
  const $ = cheerio.load(html);
  const nav = $('header nav a')
    .map((_, a) => $(a).text())
    .get();
  t.same(nav, ['Home', 'Accounts', 'Transfer', 'Cards', 'Savings', 'Loans', 'Rates', 'Profile', 'Help']);

  const zipped = await raw('/', { host: 'bank.test:4321', 'accept-encoding': 'gzip, deflate' });
  t.equal(zipped.headers['content-encoding'], 'gzip');
  t.equal(gunzipSync(zipped.body).toString('utf8'), html);

  const forged = await raw('/', { host: 'x"><script>alert(1)</script>' });
  t.notOk(forged.body.toString('utf8').includes('<script>alert(1)'), 'a forged Host is not echoed');
});

t.test('demo site: the stylesheet and images are served by the site itself', async (t) => {
  const css = await raw('/static/site.css', { host: 'bank.test:4321' });
  t.equal(css.status, 200);
  t.match(css.headers['content-type'], /^text\/css/);
  t.match(css.body.toString(), /url\(http:\/\/bank\.test:4321\/static\/stripes\.svg\)/);
  const urls = [...css.body.toString().matchAll(/url\("?([^")]+)"?\)/g)].map((m) => new URL(m[1], `${site.url}/static/site.css`).pathname);
  t.ok(urls.length >= 2);
  for (const path of [...new Set(urls), '/static/logo.svg', '/static/app.js']) {
    const res = await get(path);
    t.equal(res.status, 200, path);
    await res.arrayBuffer();
  }
});

t.test('demo site: the help page links each section from its table of contents', async (t) => {
  const $ = cheerio.load(await (await get('/help')).text());
  const links = $('#contents a')
    .map((_, a) => $(a).attr('href'))
    .get();
  t.ok(links.length >= 10);
  for (const href of links) t.equal($(href).length, 1, `${href} has a target`);
});

t.test('demo site: each cards tab has its own address that renders that tab', async (t) => {
  for (const tab of ['debit', 'credit', 'virtual']) {
    const $ = cheerio.load(await (await get(`/cards/${tab}`)).text());
    t.equal($(`#tab-${tab}`).attr('aria-selected'), 'true', tab);
    t.equal($(`#panel-${tab}`).attr('hidden'), undefined, `${tab} panel shown`);
    t.equal($('[role=tabpanel]:not([hidden])').length, 1);
  }
  t.equal((await get('/cards/nope')).status, 404);
});

t.test('demo site: the savings page has the counter button and the rates page its table', async (t) => {
  const savings = cheerio.load(await (await get('/savings')).text());
  t.equal(savings('#add-saving').attr('type'), 'button');
  t.equal(savings('#click-count').text(), '0');
  const rates = cheerio.load(await (await get('/rates')).text());
  t.ok(rates('#rates tbody tr').length >= 5);
  const api = (await (await get('/api/rates')).json()) as { rates: unknown[] };
  t.equal(api.rates.length, rates('#rates tbody tr').length);
});

t.test('demo site: the loans page frames a calculator that is a page of its own', async (t) => {
  const loans = cheerio.load(await (await get('/loans')).text());
  const src = loans('iframe#loan-calculator').attr('src');
  t.equal(src, '/widgets/loan-calculator');
  const res = await get(src!);
  t.equal(res.status, 200);
  const widget = cheerio.load(await res.text());
  t.equal(widget('header nav').length, 0, 'the framed page has no site navigation');
  t.equal(widget('#loan-amount').attr('type'), 'range');
  t.equal(widget('#loan-years').prop('tagName'), 'SELECT');
  t.equal(widget('#loan-monthly').text(), '€188.25', 'the payment shown before any script runs is right for €10,000 over 5 years');
});

t.test('demo site: an oversized form body is refused with 413', async (t) => {
  const cookie = await logIn();
  const res = await post('/transfer', { to: 'x'.repeat(200_000) }, cookie);
  t.equal(res.status, 413);
});
