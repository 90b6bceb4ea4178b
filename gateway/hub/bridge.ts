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
): void {
  const client = socket as net.Socket;
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // Our own headers are only ever set here, never taken from the client.
    if (raw[i].toLowerCase().startsWith('x-tandem-')) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  lines.push(`${BRIDGE_SECRET_HEADER}: ${target.secret}`, `${CLIENT_ADDR_HEADER}: ${client.remoteAddress ?? ''}`);
  for (const [name, value] of Object.entries(extra)) lines.push(`${name}: ${value}`);

  const upstream = net.connect(target.at);
  let answered = false;
  if (!('path' in target.at)) upstream.setNoDelay(true);
  client.setNoDelay?.(true);
  upstream.once('data', () => (answered = true));
  upstream.on('error', () => {
    // The hub has stopped listening: this replica is shutting down.
    if (!answered) refuseUpgrade(client, 503, 'TANDEM_ERR_DRAINING', 'the gateway is shutting down');
    else client.destroy();
  });
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => {
    client.end();
    // A client that never finishes its side of the close must not keep the socket open.
    setTimeout(() => client.destroy(), 1000).unref();
  });
  upstream.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length > 0) upstream.write(head);
  client.pipe(upstream);
  upstream.pipe(client);
}
