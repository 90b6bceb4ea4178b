/**
 * The push hub on uWebSockets.js. It listens on a Unix socket (or, where there is none, a
 * loopback port) that the front door bridges `/__tandem/hub` upgrades to (bridge.ts), and, when
 * TANDEM_HUB_PORT is set, ALSO on that port on TANDEM_HOST for deployments that route the hub
 * directly (one hop less).
 *
 * The token is checked before any upgrade, so a refused client never gets a socket. Through the
 * front door, the token and the session are checked there (handleUpgrade) and the hub upgrades
 * synchronously with the session state it was handed; only connections on the direct public
 * port still read the session inside uWS's upgrade handler (see `upgrade`).
 * Commands are appended to the store and delivered back from the store's stream (fanout.ts):
 * this replica never decides an order of its own.
 */

import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import * as uWS from 'uWebSockets.js';
import { BACKPRESSURE_LIMIT_BYTES, CLOSE_POLICY, CLOSE_RESTART, CLOSE_TOO_BIG, MAX_FRAME_BYTES } from '../../protocol/limits.js';
import { parseClientCommand, type ClientCommand, type HubErrorCode } from '../../protocol/messages.js';
import { SessionEndedError, UnknownSessionError, type AppendInput } from '../../store/command-log.js';
import type { App } from '../app.js';
import { BRIDGE_SECRET_HEADER, CLIENT_ADDR_HEADER, JOIN_HEADER, bridgeUpgrade, decodeJoin, encodeJoin, refuseUpgrade } from './bridge.js';
import type { Standing } from '../identity/standing.js';
import { trustedProxies } from '../identity/client-address.js';
import { Connection, colorFor, type Resume, type Slot } from './connection.js';
import { refusal } from './control.js';
import { navRefusal } from './nav-check.js';
import { ConnectionCaps, type CapKeys } from './caps.js';
import { ByteBudgets } from './byte-budget.js';
import { Rooms } from './fanout.js';
import { Admission, refusalOf, type Refusal } from './admit.js';
import { DATA_TEXT_MIN_BYTES, dataText } from './data-text.js';

export const HUB_PATH = '/__tandem/hub';

/**
 * Largest frame uWS reads before it drops the connection with no close frame (1006). Frames
 * between MAX_FRAME_BYTES and this are refused by us with a proper 1009.
 */
const HARD_FRAME_LIMIT = 1024 * 1024;

export interface Hub {
  /** The hub's loopback port (the front door bridges to its Unix socket where there is one). */
  readonly port: number;
  /** The public hub port (TANDEM_HUB_PORT), or 0 when the hub is reached through the front door only. */
  readonly publicPort: number;
  /** Hub connections open on this replica. */
  readonly connections: number;
  /** Passes a front-door upgrade request for `/__tandem/hub` to the hub. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Tells every connected client to reconnect elsewhere (1012), stops listening, clears presence. */
  shutdown(): Promise<void>;
}

/**
 * The longest Unix socket path every platform takes (sun_path is 104 bytes on macOS, 108 on
 * Linux, NUL included). uWS copies the path without checking its length: a longer one crashes
 * the process instead of failing.
 */
const MAX_SOCKET_PATH_BYTES = 103;

/** Listens on a Unix socket at `path`; null where the platform, path or directory does not allow it. */
function listenUnix(uws: uWS.TemplatedApp, path: string): Promise<uWS.us_listen_socket | null> {
  // On Windows node:net would read the path as a named pipe, which uWS does not listen on.
  if (process.platform === 'win32' || Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) return Promise.resolve(null);
  return new Promise((resolve) => {
    uws.listen_unix((socket) => resolve(socket || null), path);
  });
}

function listen(uws: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  return new Promise((resolve, reject) => {
    uws.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`the hub could not listen on ${host}:${port}`));
    });
  });
}

function refuse(res: uWS.HttpResponse, r: Refusal): void {
  answer(res, r.status, r.code, r.message);
}

function answer(res: uWS.HttpResponse, status: number, code: string, message: string): void {
  res
    .writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`)
    .writeHeader('content-type', 'application/json; charset=utf-8')
    .writeHeader('cache-control', 'no-store')
    .end(JSON.stringify({ error: code, message }));
}

function parseResume(since: string | undefined, epoch: string | undefined): Resume | null {
  if (since === undefined || !epoch || !/^\d{1,15}$/.test(since) || epoch.length > 128) return null;
  return { since: Number(since), epoch };
}

function capKeys(conn: Connection): CapKeys {
  return { session: conn.session, participant: conn.participant, address: conn.clientAddr };
}

export async function startHub(app: App, standing: Standing): Promise<Hub> {
  const uws = uWS.App();
  const rooms = new Rooms(app, uws);
  const live = new Set<Connection>();
  const bridgeSecret = randomBytes(18).toString('base64url');
  const mode = app.config.operatorControl;
  const trusted = trustedProxies(app.config.trustedProxies);
  const caps = new ConnectionCaps();
  const budgets = new ByteBudgets();
  const admission = new Admission({
    verify: (token) => app.tokens.verify(token, 'hub'),
    meta: (sessionId) => app.store.log.meta(sessionId),
    standing: (claims) => standing.check(claims, { fresh: true }),
    caps,
    storeFailed: (err) => {
      app.metrics.storeErrors.inc();
      app.log.warn({ err }, 'hub: session lookup failed');
    },
  });
  let nextId = 1;

  function sendError(conn: Connection, code: HubErrorCode, message: string, c?: string): void {
    conn.send(JSON.stringify(c === undefined ? { type: 'error', code, message } : { type: 'error', code, message, c }));
  }

  /** `dText`: the bytes of `cmd.d` in the frame (data-text.ts), valid only during this call. */
  function handleCommand(conn: Connection, cmd: ClientCommand, receivedAt: number, bytes: number, dText: Buffer | null): void {
    if (conn.closing) return;
    const room = rooms.get(conn.session);
    if (!room) return sendError(conn, 'internal', 'the session is not available on this gateway', cmd.c);
    if (!room.isReady) {
      // Commands received while the room starts keep their order: they queue on the same promise.
      // The frame's memory is uWS's and goes when the message handler returns: the data is copied.
      const kept = dText && Buffer.from(dText);
      room.ready.then(
        () => handleCommand(conn, cmd, receivedAt, bytes, kept),
        () => undefined,
      );
      return;
    }
    if (room.ended) return sendError(conn, 'ended', 'the session has ended', cmd.c);
    const refused = refusal(conn.role, cmd.op, cmd.k, mode, room.granted) ?? navRefusal(cmd);
    if (refused) return sendError(conn, refused.code, refused.message, cmd.c);
    if (!budgets.take(conn.session, conn.participant, bytes)) {
      if (conn.overBudget.refused()) return conn.end(CLOSE_POLICY, 'byte budget exceeded', 'flood');
      return sendError(conn, 'throttled', 'too many bytes logged in this session lately: this command was dropped', cmd.c);
    }
    const input: AppendInput = { k: cmd.k, op: cmd.op, a: cmd.a, d: cmd.d, by: conn.participant, c: cmd.c };
    if (dText) input.dText = dText;
    app.store.log.append(conn.session, input).then(
      (r) => {
        if (r.duplicate) return;
        app.metrics.commandsAppended.inc({ op: cmd.op });
        room.appended(r.cmd.seq, receivedAt);
      },
      (err: unknown) => {
        if (err instanceof SessionEndedError || err instanceof UnknownSessionError) {
          return sendError(conn, 'ended', 'the session has ended', cmd.c);
        }
        app.metrics.storeErrors.inc();
        app.log.warn({ err, session: conn.session }, 'hub: append failed');
        // With its `c`, the client can resend: the store never logs a (participant, c) twice.
        sendError(conn, 'internal', 'the command could not be logged; resend it', cmd.c);
      },
    );
  }

  uws.ws<Slot>(HUB_PATH, {
    maxPayloadLength: HARD_FRAME_LIMIT,
    maxBackpressure: BACKPRESSURE_LIMIT_BYTES,
    // Dropping is reported to `dropped`, where the connection is closed as slow with our own code.
    closeOnBackpressureLimit: false,
    idleTimeout: 60,
    sendPingsAutomatically: true,

    upgrade: (res, req, context) => {
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const bridged = req.getHeader(BRIDGE_SECRET_HEADER) === bridgeSecret;
      const clientAddr = bridged ? req.getHeader(CLIENT_ADDR_HEADER) : Buffer.from(res.getRemoteAddressAsText()).toString();
      const resume = parseResume(req.getQuery('since'), req.getQuery('epoch'));
      const checked = admission.checkToken(req.getQuery('token') ?? '');
      if ('refusal' in checked) return refuse(res, checked.refusal);
      const { claims } = checked;
      const capped = admission.capRefusal(claims, clientAddr);
      if (capped) return refuse(res, capped);
      const info = { id: claims.p, name: claims.n, role: claims.r, color: colorFor(claims.p) };
      const joined = bridged ? decodeJoin(req.getHeader(JOIN_HEADER)) : null;
      if (joined) {
        // The front door already read the session (exists, not ended): upgrading here, in the
        // handler's own context, needs no cork and makes uWS print nothing.
        const conn = new Connection(nextId++, claims.s, info, resume, clientAddr, joined, app.metrics);
        return res.upgrade<Slot>({ conn }, key, protocol, extensions, context);
      }
      // Direct public hub port (TANDEM_HUB_PORT): the session read happens here, so the upgrade
      // comes after an await. uWS prints one "writes must be made from within a corked callback"
      // warning per such join; deployments that mind it route the hub through the front door.
      let aborted = false;
      res.onAborted(() => (aborted = true));
      void admission.readSession(claims).then((session) => {
        if (aborted) return;
        if ('refusal' in session) return res.cork(() => refuse(res, session.refusal));
        // Checked again: others may have opened while the session was read.
        const cappedNow = admission.capRefusal(claims, clientAddr);
        if (cappedNow) return res.cork(() => refuse(res, cappedNow));
        const conn = new Connection(nextId++, claims.s, info, resume, clientAddr, session.state, app.metrics);
        // Deliberately NOT inside res.cork: after its callback, uWS's HttpResponse::cork still
        // reads the response's state through `this`. When the upgrade reallocated the socket in
        // place (same address, now a WebSocket), that read hits freed or foreign memory; if the
        // stray bits say "connection: close, responded" it shuts the brand-new WebSocket down
        // (the client sees welcome, then 1006, and no close of ours is counted). Upgrading from
        // the parser (memory store: the meta read settles before uWS returns) never takes that
        // path, which is why only the Redis store showed it. Uncorked, uWS writes the 101 itself
        // and prints one "writes must be made from within a corked callback" warning.
        res.upgrade<Slot>({ conn }, key, protocol, extensions, context);
      });
    },

    open: (ws) => {
      const conn = ws.getUserData().conn;
      conn.ws = ws;
      live.add(conn);
      caps.opened(capKeys(conn));
      app.metrics.participants.inc();
      const { info } = conn;
      conn.send(
        JSON.stringify({
          type: 'welcome',
          participant: info.id,
          role: info.role,
          session: conn.session,
          epoch: conn.joinedAt.epoch,
          head: conn.joinedAt.head,
          name: info.name,
          color: info.color,
        }),
      );
      app.log.debug({ session: conn.session, participant: info.id, role: info.role, addr: conn.clientAddr }, 'hub: connected');
      rooms.join(conn);
    },

    message: (ws, data) => {
      const conn = ws.getUserData().conn;
      if (conn.closing) return;
      const receivedAt = performance.now();
      if (data.byteLength > MAX_FRAME_BYTES) return conn.end(CLOSE_TOO_BIG, 'frame too big', 'too_big');
      const verdict = conn.bucket.take();
      if (verdict === 'close') return conn.end(CLOSE_POLICY, 'flooding', 'flood');
      // A view of uWS's memory, not a copy: valid until this handler returns.
      const frame = Buffer.from(data);
      const parsed = parseClientCommand(frame.toString('utf8'));
      if (verdict === 'throttle')
        return sendError(conn, 'throttled', 'too many messages: this one was dropped', parsed.ok ? parsed.cmd.c : parsed.c);
      if (!parsed.ok) return sendError(conn, parsed.code, parsed.message, parsed.c);
      handleCommand(conn, parsed.cmd, receivedAt, data.byteLength, data.byteLength >= DATA_TEXT_MIN_BYTES ? dataText(frame) : null);
    },

    drain: (ws) => ws.getUserData().conn.onDrain(),

    dropped: (ws) => ws.getUserData().conn.slow(),

    close: (ws) => {
      const conn = ws.getUserData().conn;
      conn.markClosed();
      if (live.delete(conn)) {
        app.metrics.participants.dec();
        caps.closed(capKeys(conn));
      }
      rooms.leave(conn);
    },
  });

  uws.any('/*', (res) => {
    refuse(res, refusalOf('TANDEM_ERR_NOT_FOUND', 'the hub only answers WebSocket upgrades at /__tandem/hub'));
  });

  /**
   * The front door's half of a join: the same token and session checks as the upgrade handler,
   * done here where awaiting is harmless, so the bridged upgrade carries the session state and
   * uWS can upgrade without waiting on anything.
   */
  function frontDoorJoin(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuseRaw = (r: Refusal) => refuseUpgrade(socket, r.status, r.code, r.message);
    const clientAddr = trusted.clientAddress(req);
    const checked = admission.checkToken(new URL(req.url ?? '/', 'http://hub').searchParams.get('token') ?? '');
    if ('refusal' in checked) return refuseRaw(checked.refusal);
    // Early, so a flood costs no session read; the hub's upgrade checks again when it opens.
    const capped = admission.capRefusal(checked.claims, clientAddr);
    if (capped) return refuseRaw(capped);
    void admission.readSession(checked.claims).then((session) => {
      if (socket.destroyed) return;
      if ('refusal' in session) return refuseRaw(session.refusal);
      bridgeUpgrade(req, socket, head, { at: bridgeAt, secret: bridgeSecret }, { [JOIN_HEADER]: encodeJoin(session.state) }, clientAddr);
    });
  }

  const listening: uWS.us_listen_socket[] = [];
  const internal = await listen(uws, '127.0.0.1', 0);
  listening.push(internal);
  const port = uWS.us_socket_local_port(internal as uWS.us_socket);
  // The front door's hop goes over a Unix socket where there is one: cheaper per message than
  // loopback TCP. The loopback port stays for tools (and benchmarks) that reach the hub directly.
  const socketPath = join(tmpdir(), `tandem-hub-${process.pid}-${randomBytes(6).toString('hex')}.sock`);
  const unix = await listenUnix(uws, socketPath);
  // A crash or process.exit() skips stop(): the file goes with the process all the same.
  const removeSocket = () => rmSync(socketPath, { force: true });
  const releaseSocket = () => {
    if (!unix) return;
    removeSocket();
    process.off('exit', removeSocket);
  };
  if (unix) {
    listening.push(unix);
    process.once('exit', removeSocket);
  }
  const bridgeAt = unix ? { path: socketPath } : { host: '127.0.0.1', port };
  let publicPort = 0;
  if (app.config.hubPort > 0) {
    const pub = await listen(uws, app.config.host, app.config.hubPort).catch((err: unknown) => {
      for (const s of listening) uWS.us_listen_socket_close(s);
      releaseSocket();
      throw err;
    });
    listening.push(pub);
    publicPort = app.config.hubPort;
  }

  let stopped: Promise<void> | null = null;
  async function stop(): Promise<void> {
    admission.accepting = false;
    for (const s of listening.splice(0)) uWS.us_listen_socket_close(s);
    releaseSocket();
    for (const conn of [...live]) {
      conn.send('{"type":"reconnect"}');
      conn.end(CLOSE_RESTART, 'gateway restarting', 'restart');
    }
    await rooms.closeAll();
    // Sockets still closing (their clients never answered the close frame) are cut.
    uws.close();
  }

  return {
    port,
    publicPort,
    get connections() {
      return live.size;
    },
    handleUpgrade(req, socket, head) {
      frontDoorJoin(req, socket, head);
    },
    shutdown() {
      stopped ??= stop();
      return stopped;
    },
  };
}
