/**
 * The front door's hop to the hub: node:http owns the public port, uWS listens on loopback, and
 * a `/__tandem/hub` upgrade is passed on as bytes. The request head is replayed on a fresh TCP
 * connection (with the real client address, vouched for by a per-process secret so a client
 * cannot claim an address of its choosing), then both sockets are piped.
 */

import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export const BRIDGE_SECRET_HEADER = 'x-tandem-bridge';
export const CLIENT_ADDR_HEADER = 'x-tandem-client-addr';

export interface BridgeTarget {
  host: string;
  port: number;
  secret: string;
}

export function bridgeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: BridgeTarget): void {
  const client = socket as net.Socket;
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // Our own headers are only ever set here, never taken from the client.
    if (raw[i].toLowerCase().startsWith('x-tandem-')) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  lines.push(`${BRIDGE_SECRET_HEADER}: ${target.secret}`, `${CLIENT_ADDR_HEADER}: ${client.remoteAddress ?? ''}`);

  const upstream = net.connect({ host: target.host, port: target.port });
  let answered = false;
  upstream.setNoDelay(true);
  client.setNoDelay?.(true);
  upstream.once('data', () => (answered = true));
  upstream.on('error', () => {
    if (!answered && client.writable) {
      // The hub has stopped listening: this replica is shutting down.
      const body = JSON.stringify({ error: 'TANDEM_ERR_DRAINING', message: 'the gateway is shutting down' });
      client.end(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    } else client.destroy();
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
