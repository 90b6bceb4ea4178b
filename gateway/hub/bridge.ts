/**
 * The front door's hop to the hub: node:http owns the public port, uWS listens on a Unix socket
 * of this process (loopback TCP where it cannot), and a `/__tandem/hub` upgrade is passed on as
 * bytes. The request head is replayed on a fresh connection (with the real client address,
 * vouched for by a per-process secret so a client cannot claim an address of its choosing),
 * then both sockets are piped. Every message crosses the hop twice, so its cost is the cost of
 * local sockets: a Unix socket skips the TCP stack (see README "Benchmarks").
 *
 * The front door also does the join's asynchronous part (the session read) before bridging and
 * passes the result in JOIN_HEADER, so the hub can upgrade synchronously: uWS warns on stderr
 * about (and, inside cork, can break) an upgrade made after an await.
 */

import net from 'node:net';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export const BRIDGE_SECRET_HEADER = 'x-tandem-bridge';
export const CLIENT_ADDR_HEADER = 'x-tandem-client-addr';
/** The session's state as the front door read it before bridging (see encodeJoin). */
export const JOIN_HEADER = 'x-tandem-join';

export interface JoinState {
  epoch: string;
  head: number;
}

export function encodeJoin(state: JoinState): string {
  return `${state.head} ${encodeURIComponent(state.epoch)}`;
}

export function decodeJoin(value: string): JoinState | null {
  const m = /^(\d{1,15}) (\S{1,400})$/.exec(value);
  if (!m) return null;
  try {
    return { head: Number(m[1]), epoch: decodeURIComponent(m[2]) };
  } catch {
    return null;
  }
}

/** A JSON error answered on the raw upgrade socket, before anything reaches the hub. */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** How long a bridged client may take to finish its side once the hub has closed. */
const BRIDGE_LINGER_MS = 10_000;

export interface BridgeTarget {
  /** The hub's Unix socket, or its loopback TCP address. */
  at: { path: string } | { host: string; port: number };
  secret: string;
}

export function bridgeUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: BridgeTarget,
  extra: Record<string, string> = {},
  /** The client's address as the front door decided it (TANDEM_TRUSTED_PROXIES); the peer's by default. */
  clientAddr = (socket as net.Socket).remoteAddress ?? '',
): void {
  const client = socket as net.Socket;
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // Our own headers are only ever set here, never taken from the client.
    if (raw[i].toLowerCase().startsWith('x-tandem-')) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  lines.push(`${BRIDGE_SECRET_HEADER}: ${target.secret}`, `${CLIENT_ADDR_HEADER}: ${clientAddr}`);
  for (const [name, value] of Object.entries(extra)) lines.push(`${name}: ${value}`);

  const upstream = net.connect(target.at);
  let answered = false;
  let hubDone = false;
  if (!('path' in target.at)) upstream.setNoDelay(true);
  client.setNoDelay?.(true);
  upstream.once('data', () => (answered = true));
  /**
   * The hub has closed its side (after its close frame) or gone. The client's socket is ended,
   * not destroyed, and what the client still sends is read and dropped: closing a socket with
   * unread input makes the kernel answer with a reset, and writing on into a hub socket that
   * uWS has closed fails with EPIPE, which destroys it with the close frame still unread. Either
   * way a client that floods (and so is slow to read) got 1006 instead of the hub's 1008.
   */
  const finish = () => {
    if (hubDone) return;
    hubDone = true;
    client.unpipe(upstream);
    upstream.end();
    client.on('data', () => undefined);
    client.resume();
    client.end();
    // A client that never finishes its side of the close must not keep the socket open.
    setTimeout(() => client.destroy(), BRIDGE_LINGER_MS).unref();
  };
  upstream.on('error', () => {
    // The hub has stopped listening: this replica is shutting down.
    if (!answered) refuseUpgrade(client, 503, 'TANDEM_ERR_DRAINING', 'the gateway is shutting down');
    else finish();
  });
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('end', finish);
  upstream.on('close', finish);
  upstream.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length > 0) upstream.write(head);
  client.pipe(upstream);
  upstream.pipe(client);
}
