/**
 * The demo origin: "Demo Bank", a small bank-like site written for Tandem with plain node:http.
 * `npm start` runs it on a loopback port behind the gateway; docker-compose runs it alone
 * (demo/main.ts). Tests and other helpers rely on these paths and ids:
 *
 *   GET  /                      home (public)
 *   GET  /login?next=/path      login form: #username, #password, #login-submit
 *   POST /login                 any non-empty user + password; sets `demo_session` (HttpOnly, Path=/)
 *   POST /logout, GET /logout   ends the session
 *   GET  /account               balance #balance, table #transactions, scrollable #inbox (login)
 *   GET  /transfer, POST        #from (select) #to #iban #amount #reference #date #transfer-submit (login);
 *                               the POST answers 200 with #transfer-number
 *   GET  /profile, POST         every field type, multipart (login); see profile.ts for names
 *   GET  /cards[/debit|credit|virtual]  tabs switched with history.pushState (public)
 *   GET  /savings               #add-saving increments #click-count in JS; scrollable #savings-faq (public)
 *   GET  /rates                 table #rates (public), GET /api/rates JSON
 *   GET  /loans                 embeds /widgets/loan-calculator in iframe #loan-calculator: a child frame
 *                               with #loan-amount (range), #loan-years (select), #loan-monthly (public)
 *   GET  /help                  long page with a table of contents of #hash links (public)
 *   GET  /static/*              site.css, logo.svg, bg.svg, stripes.svg, app.js
 *   GET  /__demo/stats          {transfers, logins, profileSaves}: what reached this origin
 *
 * Pages behind login redirect (302) to /login?next=<path>.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACCOUNTS, RATES, parseAmount } from './data.js';
import { help } from './help.js';
import { BodyTooLarge, parseCookies, readForm, redirect, safeNext, send } from './http-util.js';
import { page, selfBase } from './layout.js';
import {
  account,
  cards,
  CARD_TABS,
  EMPTY_TRANSFER,
  home,
  loans,
  loanWidget,
  login,
  notFound,
  rates,
  savings,
  transferDone,
  transferForm,
  type TransferInput,
} from './pages.js';
import { DEFAULT_PROFILE, parseProfile, profileForm, profileSaved } from './profile.js';
import { APP_JS, BG_SVG, css, LOGO_SVG, STRIPES_SVG } from './static.js';
import { BankState, COOKIE, type BankSession, type Stats } from './state.js';

export interface DemoSite {
  readonly url: string;
  /** Live counters of what reached this origin (the same numbers as `GET /__demo/stats`). */
  readonly stats: Readonly<Stats>;
  close(): Promise<void>;
}

const HTML = 'text/html; charset=utf-8';
const FORM_LIMIT = 64 * 1024;
const UPLOAD_LIMIT = 5 * 1024 * 1024;
const PROTECTED = new Set(['/account', '/transfer', '/profile']);

const STATIC: Record<string, [string, string | ((base: string) => string)]> = {
  '/static/site.css': ['text/css; charset=utf-8', css],
  '/static/app.js': ['text/javascript; charset=utf-8', APP_JS],
  '/static/logo.svg': ['image/svg+xml', LOGO_SVG],
  '/static/bg.svg': ['image/svg+xml', BG_SVG],
  '/static/stripes.svg': ['image/svg+xml', STRIPES_SVG],
};

export function createDemoHandler(state: BankState): http.RequestListener {
  return (req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLarge)
        return send(req, res, 413, 'text/plain; charset=utf-8', 'Request body too large\n', { connection: 'close' });
      if (!res.headersSent) send(req, res, 500, 'text/plain; charset=utf-8', 'Internal error\n');
      else res.destroy();
    });
  };
}

async function handle(state: BankState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://demo.invalid');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const base = selfBase(req.headers.host);
  const sessionId = parseCookies(req.headers.cookie).get(COOKIE);
  const session = state.find(sessionId);
  const html = (status: number, title: string, body: string, active?: string, headers: Record<string, string | string[]> = {}) =>
    send(req, res, status, HTML, page({ title, body, active, base, user: session?.user ?? null }), {
      'cache-control': 'no-store',
      ...headers,
    });

  const asset = STATIC[path];
  if (asset && (method === 'GET' || method === 'HEAD')) {
    const [type, body] = asset;
    return send(req, res, 200, type, typeof body === 'function' ? body(base) : body, { 'cache-control': 'public, max-age=300' });
  }
  if (path === '/__demo/stats')
    return send(req, res, 200, 'application/json', JSON.stringify(state.stats), { 'cache-control': 'no-store' });
  if (path === '/api/rates')
    return send(req, res, 200, 'application/json', JSON.stringify({ base: 'EUR', rates: RATES }), { 'cache-control': 'no-store' });
  if (path === '/favicon.ico') return send(req, res, 200, 'image/svg+xml', LOGO_SVG, { 'cache-control': 'public, max-age=300' });

  if (PROTECTED.has(path) && !session) {
    res.writeHead(302, {
      location: `/login?next=${encodeURIComponent(path + url.search)}`,
      'cache-control': 'no-store',
      'content-length': 0,
    });
    return void res.end();
  }

  if (method === 'POST') {
    if (path === '/login') {
      const form = await readForm(req, FORM_LIMIT);
      const user = form.get('username').trim().slice(0, 64);
      const next = safeNext(form.get('next'));
      if (!user || !form.get('password')) return html(401, 'Log in', login(next, 'Enter a user name and a password.'));
      state.logout(sessionId);
      const fresh = state.login(user);
      return redirect(res, next, { 'set-cookie': `${COOKIE}=${fresh.id}; Path=/; HttpOnly; SameSite=Lax`, 'cache-control': 'no-store' });
    }
    if (path === '/logout') return logout(state, res, sessionId);
    if (path === '/transfer') return postTransfer(state, session!, req, base, html);
    if (path === '/profile') {
      session!.profile = parseProfile(await readForm(req, UPLOAD_LIMIT));
      state.stats.profileSaves++;
      return html(200, 'Profile saved', profileSaved(session!.profile), '/profile');
    }
    return html(405, 'Not allowed', notFound(path), undefined, { allow: 'GET, HEAD' });
  }
  if (method !== 'GET' && method !== 'HEAD') return html(405, 'Not allowed', notFound(path), undefined, { allow: 'GET, HEAD, POST' });

  switch (path) {
    case '/':
      return html(200, 'Welcome', home(session?.user ?? null, base), '/');
    case '/login':
      return html(200, 'Log in', login(safeNext(url.searchParams.get('next')), null));
    case '/logout':
      return logout(state, res, sessionId);
    case '/account':
      return html(200, 'Accounts', account(session!), '/account');
    case '/transfer':
      return html(200, 'Transfer', transferForm(base, { ...EMPTY_TRANSFER, date: today() }, []), '/transfer');
    case '/profile':
      return html(200, 'Profile', profileForm(session!.profile ?? DEFAULT_PROFILE, base), '/profile');
    case '/rates':
      return html(200, 'Rates', rates(), '/rates');
    case '/help':
      return html(200, 'Help', help(), '/help');
    case '/savings':
      return html(200, 'Savings', savings(), '/savings');
    case '/cards':
      return html(200, 'Cards', cards('debit'), '/cards');
    case '/loans':
      return html(200, 'Loans', loans(), '/loans');
    case '/widgets/loan-calculator':
      return send(req, res, 200, HTML, loanWidget(), { 'cache-control': 'no-store' });
  }
  const tab = /^\/cards\/(\w+)$/.exec(path)?.[1];
  if (tab && CARD_TABS.some(([id]) => id === tab)) return html(200, 'Cards', cards(tab), '/cards');
  return html(404, 'Not found', notFound(path));
}

function logout(state: BankState, res: http.ServerResponse, sessionId: string | undefined): void {
  state.logout(sessionId);
  redirect(res, '/', { 'set-cookie': `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`, 'cache-control': 'no-store' });
}

async function postTransfer(
  state: BankState,
  session: BankSession,
  req: http.IncomingMessage,
  base: string,
  html: (status: number, title: string, body: string, active?: string) => void,
): Promise<void> {
  const form = await readForm(req, FORM_LIMIT);
  const input: TransferInput = {
    from: form.get('from'),
    to: form.get('to').trim().slice(0, 140),
    iban: form.get('iban').trim().slice(0, 64),
    amount: form.get('amount').trim().slice(0, 32),
    reference: form.get('reference').trim().slice(0, 140),
    date: form.get('date').trim().slice(0, 10),
  };
  const cents = parseAmount(input.amount);
  const errors: string[] = [];
  if (!ACCOUNTS.some((a) => a.id === input.from)) errors.push('Choose the account to pay from.');
  if (!input.to) errors.push('Enter the recipient.');
  if (!/^[A-Z]{2}\d{2}[A-Z0-9 ]{8,40}$/i.test(input.iban)) errors.push('Enter an IBAN like DE89 3704 0044 0532 0130 00.');
  if (Number.isNaN(cents)) errors.push('Enter an amount like 25.00.');
  if (input.date && !/^\d{4}-\d{2}-\d{2}$/.test(input.date)) errors.push('Enter the date as YYYY-MM-DD.');
  if (errors.length) return html(422, 'Transfer', transferForm(base, input, errors), '/transfer');

  const sent = { number: state.nextTransferNumber(), ...input, date: input.date || today(), cents };
  session.transfers.push(sent);
  html(200, 'Transfer sent', transferDone(sent), '/transfer');
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export async function startDemoSite(port = 0, host = '127.0.0.1'): Promise<DemoSite> {
  const state = new BankState();
  const server = http.createServer(createDemoHandler(state));
  // Longer than a proxy's idle keep-alive, so the gateway never reuses a socket this side is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Keep-alive sockets from a proxy must not hold close() open.
  const closeIdle = () => server.closeAllConnections?.();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    stats: state.stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        closeIdle();
      }),
  };
}
