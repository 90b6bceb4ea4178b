/**
 * Graceful shutdown of the front door. On SIGTERM the gateway stops accepting connections,
 * lets every request in flight finish, and closes each keep-alive connection as soon as it has
 * nothing in flight, so clients and load balancers open their next request elsewhere instead
 * of on a socket that is about to go away. Responses that have not started yet carry
 * `Connection: close` for the same reason.
 *
 * Upgraded sockets (the hub's, and the origin's own WebSockets) are not the HTTP server's to
 * close: the hub tells its clients to reconnect elsewhere, and whatever is still open a moment
 * later (a client that never answered the close, an origin socket) is cut, since a listener
 * that still counts them would otherwise keep the process alive past its deadline.
 */

import type { Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** How often idle keep-alive connections are closed while draining. */
const IDLE_SWEEP_MS = 50;

export class Drain {
  #draining = false;
  readonly #inFlight = new Set<ServerResponse>();
  readonly #upgraded = new Set<Duplex>();

  get draining(): boolean {
    return this.#draining;
  }

  /** How many responses have not finished yet. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Called for every request the front door takes. */
  track(res: ServerResponse): void {
    if (this.#draining) {
      res.setHeader('connection', 'close');
      return;
    }
    this.#inFlight.add(res);
    res.once('close', () => this.#inFlight.delete(res));
  }

  /** Called for every upgrade the front door takes (hub and origin WebSockets). */
  trackUpgrade(socket: Duplex): void {
    if (this.#draining) {
      socket.destroy();
      return;
    }
    this.#upgraded.add(socket);
    socket.once('close', () => this.#upgraded.delete(socket));
  }

  /** Cuts every upgraded socket still open after `graceMs` (they have been told to go). */
  async cutUpgrades(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.#upgraded.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, IDLE_SWEEP_MS));
    for (const s of this.#upgraded) s.destroy();
    this.#upgraded.clear();
  }

  /**
   * Stops accepting and resolves once every connection has closed (upgraded sockets included:
   * the hub closes its own). After `graceMs`, whatever is still open is cut.
   */
  close(server: Server, graceMs: number): Promise<void> {
    this.#draining = true;
    for (const res of this.#inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    return new Promise<void>((resolve) => {
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      const force = setTimeout(() => {
        server.closeAllConnections();
        for (const s of this.#upgraded) s.destroy();
      }, graceMs);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}
