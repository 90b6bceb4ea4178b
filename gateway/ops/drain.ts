/**
 * Graceful shutdown of the front door. On SIGTERM the gateway stops accepting connections,
 * lets every request in flight finish, and closes each keep-alive connection as soon as it has
 * nothing in flight, so clients and load balancers open their next request elsewhere instead
 * of on a socket that is about to go away. Responses that have not started yet carry
 * `Connection: close` for the same reason.
 */

import type { Server, ServerResponse } from 'node:http';

/** How often idle keep-alive connections are closed while draining. */
const IDLE_SWEEP_MS = 50;

export class Drain {
  #draining = false;
  readonly #inFlight = new Set<ServerResponse>();

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

  /**
   * Stops accepting and resolves once every connection has closed (upgraded sockets included:
   * the hub closes its own). After `graceMs`, whatever is still open is cut.
   */
  close(server: Server, graceMs: number): Promise<void> {
    this.#draining = true;
    for (const res of this.#inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    return new Promise<void>((resolve) => {
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}
