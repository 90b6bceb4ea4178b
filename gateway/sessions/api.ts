/**
 * The REST API of CONTRACT section 6 under /__tandem/api/ (see docs/api.md). Operators
 * authenticate with a console token (Bearer, or the `tandem_console` cookie); participants
 * with their hub token (Bearer, or the `tandem_p` cookie). Every refusal is JSON `{error, message}`.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { sendError, sendJson, TandemError, ERRORS, type ErrorCode } from '../errors.js';
import { caller, bearer, clientAddress } from '../identity/caller.js';
import { clearCookie, serializeCookie, tandemCookie, CONSOLE_COOKIE, PARTICIPANT_COOKIE } from '../identity/cookies.js';
import { services, type Services } from './services.js';
import { closesConnection, readBody } from '../request-body.js';
import { sendLog } from './log-export.js';
import type { HubClaims } from '../identity/tokens.js';
import type { SessionRecord } from '../../store/directory.js';

export interface Api {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, { maxBytes: MAX_BODY });
  const text = body.toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TandemError('TANDEM_ERR_BAD_REQUEST', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TandemError('TANDEM_ERR_BAD_REQUEST', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string, max: number): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw new TandemError('TANDEM_ERR_BAD_REQUEST', `${key} must be a string of at most ${max} characters`);
  return v;
}

/** A display name a customer may give: printable, short. */
function customerName(raw: string | undefined): string {
  const clean = (raw ?? '')
    .replace(/[\u0000-\u001f\u007f<>]/g, '')
    .trim()
    .slice(0, 64);
  return clean || 'Customer';
}

/**
 * The page a call was placed from, when the caller did not say: the shell's own URL follows its
 * content frame, so a same-host Referer names the customer's page.
 */
function pageOfReferer(req: IncomingMessage): string | undefined {
  const referer = req.headers.referer;
  if (!referer) return undefined;
  try {
    const u = new URL(referer);
    if (u.host !== req.headers.host) return undefined;
    if (u.pathname.startsWith('/__tandem/') && !u.pathname.startsWith('/__tandem/o/')) return undefined;
    return (u.pathname + u.search).slice(0, 2048);
  } catch {
    return undefined;
  }
}

function retryAfter(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.ceil(ms / 1000)) };
}

/** The public view of a session record. */
function sessionView(s: SessionRecord): Record<string, unknown> {
  return {
    id: s.id,
    code: s.code,
    status: s.status,
    createdAt: s.createdAt,
    startedAt: s.startedAt ?? null,
    endedAt: s.endedAt ?? null,
    people: s.people,
    url: s.url ?? null,
  };
}

/** What the API is handed by the front door. */
export interface ApiDeps {
  /** Puts the origin cookies a customer's browser sent with its call into the session's jar (proxy/cookie-jar.ts). */
  seedJar(session: string, req: IncomingMessage): Promise<void>;
}

export function createApi(app: App, deps: ApiDeps): Api {
  const svc: Services = services(app);
  const ttl = app.config.tokenTtlMs;

  /** The logged-in operator's name, or a refusal (401 no login, 403 a cross-site request riding the cookie). */
  async function requireOperator(req: IncomingMessage): Promise<string> {
    const who = caller(app, req).operator;
    if (!who) throw new TandemError('TANDEM_ERR_UNAUTHORIZED', 'log in to the console first');
    if (!bearer(req) && req.headers['sec-fetch-site'] === 'cross-site')
      throw new TandemError('TANDEM_ERR_FORBIDDEN', 'cross-site requests need a Bearer token');
    await svc.ready;
    if (!(await svc.operators.get(who.o))) throw new TandemError('TANDEM_ERR_UNAUTHORIZED', 'that operator account no longer exists');
    return who.o;
  }

  /** A participant of `sessionId` (hub token), or an operator who is in it (console token). */
  async function requireInSession(
    req: IncomingMessage,
    sessionId: string,
  ): Promise<{ name: string; role: 'customer' | 'operator'; hub: HubClaims | null }> {
    const who = caller(app, req);
    if (who.participant?.s === sessionId) return { name: who.participant.n, role: who.participant.r, hub: who.participant };
    if (who.operator) {
      const name = await requireOperator(req);
      if (await svc.calls.isMember(sessionId, name)) return { name, role: 'operator', hub: null };
      throw new TandemError('TANDEM_ERR_FORBIDDEN', 'you are not in that session');
    }
    if (who.participant) throw new TandemError('TANDEM_ERR_FORBIDDEN', 'that token belongs to another session');
    throw new TandemError('TANDEM_ERR_UNAUTHORIZED', 'a session token or a console login is required');
  }

  /** Clears the participant cookie when it names this session. */
  function participantCookieFor(req: IncomingMessage, sessionId: string): Record<string, string> {
    const cookie = app.tokens.verify(tandemCookie(req.headers.cookie, PARTICIPANT_COOKIE), 'hub');
    return cookie.ok && cookie.claims.s === sessionId ? { 'set-cookie': clearCookie(app, req, PARTICIPANT_COOKIE, '/') } : {};
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const { name, password } = body;
    if (typeof name !== 'string' || typeof password !== 'string' || !name || name.length > 64 || password.length > 1024) {
      throw new TandemError('TANDEM_ERR_BAD_REQUEST', 'name and password are required strings');
    }
    const address = clientAddress(app, req);
    // Reserved before anything is awaited, so concurrent guesses are counted before any is checked.
    const wait = svc.logins.reserve(name, address);
    if (wait > 0)
      return sendError(
        res,
        'TANDEM_ERR_RATE_LIMITED',
        `too many login attempts: try again in ${Math.ceil(wait / 1000)} s`,
        retryAfter(wait),
      );
    await svc.ready;
    if (!(await svc.operators.verify(name, password))) {
      app.log.warn({ operator: name, address }, 'failed console login');
      return sendError(res, 'TANDEM_ERR_UNAUTHORIZED', 'wrong name or password');
    }
    svc.logins.succeeded(name, address);
    const token = app.tokens.console(name, ttl);
    sendJson(
      res,
      200,
      { token, name, expiresAt: Date.now() + ttl },
      { 'set-cookie': serializeCookie(app, req, CONSOLE_COOKIE, token, { path: '/__tandem', maxAgeS: ttl / 1000 }) },
    );
  }

  async function createSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const url = optionalString(body, 'url', 2048) ?? pageOfReferer(req);
    const name = customerName(optionalString(body, 'name', 200));
    // A second press while a session is live (a double click, a second tab) is the same session.
    const current = caller(app, req).participant;
    if (current?.r === 'customer') {
      const s = await app.store.directory.getSession(current.s);
      if (s && s.status !== 'ended')
        return sendJson(res, 200, { id: s.id, code: s.code, token: app.tokens.sign(current), participant: current.p, status: s.status });
    }
    const wait = svc.creations.take(clientAddress(app, req));
    if (wait > 0) return sendError(res, 'TANDEM_ERR_RATE_LIMITED', 'too many sessions from this address', retryAfter(wait));
    const made = await svc.calls.create({ name, url });
    // The customer's origin cookies go into the session's jar now, so an operator who responds
    // before the customer's next page load already sees the logged-in pages.
    await deps.seedJar(made.session.id, req);
    sendJson(
      res,
      201,
      { id: made.session.id, code: made.session.code, token: made.token, participant: made.participant, status: made.session.status },
      { 'set-cookie': serializeCookie(app, req, PARTICIPANT_COOKIE, made.token, { path: '/', maxAgeS: ttl / 1000 }) },
    );
  }

  async function currentSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = caller(app, req).participant;
    if (!p) return sendError(res, 'TANDEM_ERR_UNKNOWN_SESSION', 'this browser is in no session');
    const s = await app.store.directory.getSession(p.s);
    if (!s || s.status === 'ended') {
      return sendError(res, s ? 'TANDEM_ERR_SESSION_ENDED' : 'TANDEM_ERR_UNKNOWN_SESSION', undefined, participantCookieFor(req, p.s));
    }
    sendJson(res, 200, {
      id: s.id,
      code: s.code,
      token: bearer(req) ?? tandemCookie(req.headers.cookie, PARTICIPANT_COOKIE),
      role: p.r,
      status: s.status,
      participant: p.p,
      name: p.n,
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const parts = url.pathname.slice('/__tandem/api/'.length).split('/');
    const method = req.method ?? 'GET';
    const is = (m: string, ...path: string[]) =>
      method === m && parts.length === path.length && path.every((p, i) => p === '*' || p === parts[i]);
    const validId = (id: string) => /^[A-Za-z0-9_-]{8,64}$/.test(id);
    if (parts[0] === 'sessions' && parts[1] && !validId(parts[1])) throw new TandemError('TANDEM_ERR_UNKNOWN_SESSION', 'no such session');

    if (is('POST', 'login')) return login(req, res);
    if (is('POST', 'logout')) return sendJson(res, 200, { ok: true }, { 'set-cookie': clearCookie(app, req, CONSOLE_COOKIE, '/__tandem') });
    if (is('GET', 'me')) return sendJson(res, 200, { name: await requireOperator(req) });
    if (is('POST', 'sessions')) return createSession(req, res);
    if (is('GET', 'session')) return currentSession(req, res);
    if (is('GET', 'sessions')) {
      const name = await requireOperator(req);
      if (url.searchParams.get('past') === '1')
        return sendJson(res, 200, { sessions: (await svc.calls.past()).map((s) => ({ ...sessionView(s), durationMs: s.durationMs })) });
      const o = await svc.calls.overview(name);
      return sendJson(res, 200, { sessions: o.sessions.map((s) => ({ ...sessionView(s), mine: s.mine })), calls: o.calls });
    }
    if (is('GET', 'calls', 'events')) {
      const name = await requireOperator(req);
      return svc.events.open(req, res, name);
    }
    if (is('POST', 'join')) {
      const name = await requireOperator(req);
      const code = optionalString(await readJson(req), 'code', 16);
      if (!code) throw new TandemError('TANDEM_ERR_BAD_REQUEST', 'code is required');
      const j = await svc.calls.joinByCode(code.trim(), name);
      return sendJson(res, 200, { id: j.session.id, code: j.session.code, token: j.token, participant: j.participant });
    }
    if (is('POST', 'sessions', '*', 'join')) {
      const name = await requireOperator(req);
      const force = url.searchParams.get('force') === '1';
      const j = await svc.calls.join(parts[1], name, { force });
      return sendJson(res, 200, { id: j.session.id, code: j.session.code, token: j.token, participant: j.participant });
    }
    if (is('GET', 'sessions', '*', 'log') || is('HEAD', 'sessions', '*', 'log')) {
      await requireOperator(req);
      return sendLog(app, res, parts[1], method === 'HEAD');
    }
    if (is('POST', 'sessions', '*', 'end')) {
      const who = await requireInSession(req, parts[1]);
      await svc.calls.end(parts[1], who);
      return sendJson(res, 200, { ok: true, id: parts[1] }, participantCookieFor(req, parts[1]));
    }
    if (is('POST', 'sessions', '*', 'invite')) {
      const who = await requireInSession(req, parts[1]);
      if (who.role !== 'operator') throw new TandemError('TANDEM_ERR_FORBIDDEN', 'only an operator in the session may invite');
      const call = await svc.calls.invite(parts[1], who.name);
      return sendJson(res, 201, { call: call.id, id: parts[1], code: call.code });
    }
    if (is('POST', 'sessions', '*', 'leave')) {
      const who = await requireInSession(req, parts[1]);
      if (who.role !== 'operator') throw new TandemError('TANDEM_ERR_FORBIDDEN', 'a customer ends the session instead of leaving it');
      await svc.calls.live(parts[1]);
      await svc.calls.leave(parts[1], who.name, who.hub?.p ?? '');
      return sendJson(res, 200, { ok: true }, participantCookieFor(req, parts[1]));
    }
    const known = ['login', 'logout', 'me', 'session', 'sessions', 'join', 'calls'];
    if (known.includes(parts[0])) throw new TandemError('TANDEM_ERR_METHOD', `${method} is not allowed on ${url.pathname}`);
    throw new TandemError('TANDEM_ERR_NOT_FOUND', `no API call at ${url.pathname}`);
  }

  return {
    async handle(req, res, url) {
      try {
        await route(req, res, url);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (err instanceof TandemError)
          return sendError(res, err.code, err.message, closesConnection(err.code) ? { connection: 'close' } : {});
        if (code && code in ERRORS) return sendError(res, code as ErrorCode, (err as Error).message);
        app.log.error({ err, url: url.pathname }, 'API call failed');
        sendError(res, 'TANDEM_ERR_INTERNAL');
      }
    },
    close: () => svc.close(),
  };
}
