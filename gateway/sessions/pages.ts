/**
 * The pages of the call flow: the operator console (`/__tandem/console`) and the session URL
 * (`/__tandem/s/<sessionId>`), which opens the shell joined to a session for a logged-in
 * operator or the bearer of a join token (`?t=`, an operator's hub token for that session).
 * Without either it sends the browser to the console's login, never to the shell.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { escapeHtml, escapeJsonForHtml, sendShell, type Assets } from '../pages.js';
import { caller } from '../identity/caller.js';
import { serializeCookie, tandemCookie, PARTICIPANT_COOKIE } from '../identity/cookies.js';
import { services } from './services.js';
import { TandemError } from '../errors.js';

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'",
  'referrer-policy': 'same-origin',
};

function sendPage(res: ServerResponse, status: number, title: string, body: string, assets: Assets): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="${assets.url('console.css')}"></head>
<body class="tandem-page"><main class="tandem-notice">${body}</main></body></html>`);
}

export function renderConsole(assets: Assets, config: { operator: string | null; next: string | null }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tandem console</title>
<link rel="stylesheet" href="${assets.url('console.css')}">
<script type="application/json" id="tandem-console-config">${escapeJsonForHtml(config)}</script>
<script src="${assets.url('console.js')}" defer></script>
</head><body class="tandem-console" data-view="${config.operator ? 'main' : 'login'}">
<header class="tc-bar"><span class="tc-brand">Tandem console</span><span class="tc-who" data-tandem="operator-name">${escapeHtml(config.operator ?? '')}</span><span class="tc-conn" data-tandem="queue-status"></span><button type="button" data-tandem="logout">Log out</button></header>
<section class="tc-login" aria-label="Log in">
  <form data-tandem="login-form" autocomplete="on">
    <h1>Operator login</h1>
    <label>Name <input name="name" data-tandem="login-name" autocomplete="username" required></label>
    <label>Password <input name="password" type="password" data-tandem="login-password" autocomplete="current-password" required></label>
    <button type="submit" data-tandem="login-submit">Log in</button>
    <p class="tc-error" data-tandem="login-error" role="alert"></p>
  </form>
</section>
<main class="tc-main">
  <section class="tc-queue" aria-label="Waiting calls">
    <h2>Waiting calls <span class="tc-count" data-tandem="queue-count">0</span></h2>
    <ul data-tandem="queue"></ul>
    <p class="tc-error" data-tandem="respond-error" role="alert"></p>
  </section>
  <section class="tc-join" aria-label="Join by code">
    <h2>Join by code</h2>
    <form data-tandem="join-form"><input data-tandem="join-code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" placeholder="6-digit code" aria-label="Session code"><button type="submit" data-tandem="join-submit">Join</button></form>
    <p class="tc-error" data-tandem="join-error" role="alert"></p>
  </section>
  <section class="tc-mine" aria-label="My sessions"><h2>My sessions</h2><ul data-tandem="my-sessions"></ul></section>
  <section class="tc-live" aria-label="Live sessions"><h2>All live sessions</h2><ul data-tandem="live-sessions"></ul></section>
  <section class="tc-past" aria-label="Past sessions"><h2>Past sessions <button type="button" data-tandem="past-refresh">Refresh</button></h2><table data-tandem="past-sessions"><thead><tr><th>Who</th><th>When</th><th>How long</th><th></th></tr></thead><tbody></tbody></table></section>
  <section class="tc-player" data-tandem="player" hidden aria-label="Replay">
    <h2>Replay <span data-tandem="player-title"></span> <button type="button" data-tandem="player-close">Close</button></h2>
    <div class="tc-controls">
      <button type="button" data-tandem="player-play">Play</button>
      <button type="button" data-tandem="player-pause" disabled>Pause</button>
      <label>Speed <select data-tandem="player-speed"><option value="0.5">0.5×</option><option value="1" selected>1×</option><option value="2">2×</option><option value="4">4×</option><option value="16">16×</option></select></label>
      <input type="range" data-tandem="player-timeline" min="0" max="0" value="0" step="1" aria-label="Timeline">
      <span data-tandem="player-time">0:00 / 0:00</span>
      <a data-tandem="player-export" download>Export log</a>
    </div>
    <div class="tc-stage"><iframe data-tandem="player-frame" title="Recorded page" src="about:blank"></iframe></div>
    <ol class="tc-commands" data-tandem="player-commands"></ol>
  </section>
</main>
</body></html>`;
}

/** Where a login may send the browser afterwards: only a session URL of this gateway. */
function safeNext(raw: string | null): string | null {
  return raw && /^\/__tandem\/s\/[A-Za-z0-9_-]{8,64}$/.test(raw) ? raw : null;
}

async function consolePage(app: App, assets: Assets, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const svc = services(app);
  const who = caller(app, req).operator;
  await svc.ready;
  const operator = who && (await svc.operators.get(who.o)) ? who.o : null;
  res.writeHead(200, PAGE_HEADERS);
  res.end(renderConsole(assets, { operator, next: safeNext(url.searchParams.get('next')) }));
}

async function sessionPage(app: App, assets: Assets, req: IncomingMessage, res: ServerResponse, url: URL, id: string): Promise<void> {
  const svc = services(app);
  const session = /^[A-Za-z0-9_-]{8,64}$/.test(id) ? await app.store.directory.getSession(id) : null;
  if (!session)
    return sendPage(
      res,
      404,
      'No such session',
      '<h1>No such session</h1><p>This session does not exist or is no longer kept.</p><p><a href="/__tandem/console">Console</a></p>',
      assets,
    );
  if (session.status === 'ended')
    return sendPage(
      res,
      410,
      'Session ended',
      '<h1 data-tandem="status">ended</h1><p>This session has ended.</p><p><a href="/__tandem/console">Back to the console</a></p>',
      assets,
    );

  const cookieOpts = { path: '/', maxAgeS: app.config.tokenTtlMs / 1000 };
  const given = url.searchParams.get('t');
  if (given) {
    const v = app.tokens.verify(given, 'hub');
    if (!v.ok || v.claims.s !== id || v.claims.r !== 'operator') {
      return sendPage(
        res,
        403,
        'Invalid link',
        '<h1>This link is not valid</h1><p>It has expired or belongs to another session.</p><p><a href="/__tandem/console">Log in to the console</a></p>',
        assets,
      );
    }
    // The token moves into the HttpOnly cookie and out of the address bar and history.
    res.writeHead(303, {
      location: `/__tandem/s/${id}`,
      'set-cookie': serializeCookie(app, req, PARTICIPANT_COOKIE, given, cookieOpts),
      'cache-control': 'no-store',
    });
    return void res.end();
  }

  let grant: { token: string; name: string } | null = null;
  const who = caller(app, req).operator;
  await svc.ready;
  if (who && (await svc.operators.get(who.o))) {
    try {
      const joined = await svc.calls.join(id, who.o, { force: true });
      grant = { token: joined.token, name: who.o };
    } catch (err) {
      // Ended between the look-up above and the join.
      if (err instanceof TandemError)
        return sendPage(
          res,
          err.status,
          'Session ended',
          '<h1 data-tandem="status">ended</h1><p>This session has ended.</p><p><a href="/__tandem/console">Back to the console</a></p>',
          assets,
        );
      throw err;
    }
  } else {
    const held = tandemCookie(req.headers.cookie, PARTICIPANT_COOKIE);
    const p = app.tokens.verify(held, 'hub');
    if (held && p.ok && p.claims.s === id && p.claims.r === 'operator') grant = { token: held, name: p.claims.n };
  }
  if (!grant) {
    res.writeHead(302, { location: `/__tandem/console?next=${encodeURIComponent(`/__tandem/s/${id}`)}`, 'cache-control': 'no-store' });
    return void res.end();
  }
  res.setHeader('set-cookie', serializeCookie(app, req, PARTICIPANT_COOKIE, grant.token, cookieOpts));
  const claims = app.tokens.verify(grant.token, 'hub');
  sendShell(res, assets, {
    role: 'operator',
    content: '',
    hub: '/__tandem/hub',
    control: app.config.operatorControl,
    mask: app.config.mask,
    session: { id, code: session.code, token: grant.token, name: grant.name },
    resources: claims.ok ? { origin: customersOrigin(app, req), token: app.tokens.resource(claims.claims) } : undefined,
  });
}

/**
 * Where the customers browse, as an operator's mirror must reach it for the page's resources:
 * '' when the console shares their origin; else TANDEM_PUBLIC_URL, or in the demo 127.0.0.1 on
 * the port this request came in on.
 */
function customersOrigin(app: App, req: IncomingMessage): string {
  if (!app.config.consoleUrl) return '';
  if (app.config.publicUrl) return app.config.publicUrl;
  const port = String(req.headers.host ?? '').match(/:(\d+)$/)?.[1];
  return `http://127.0.0.1${port ? `:${port}` : ''}`;
}

/** Serves the page if `url` is one of its; returns false otherwise. */
export async function handleTandemPage(app: App, assets: Assets, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const p = url.pathname;
  if (p === '/__tandem/console' || p === '/__tandem/console/') {
    await consolePage(app, assets, req, res, url);
    return true;
  }
  const m = /^\/__tandem\/s\/([^/]+)\/?$/.exec(p);
  if (m) {
    await sessionPage(app, assets, req, res, url, m[1]);
    return true;
  }
  return false;
}
