/** The push hub on uWebSockets.js. (Stub until the hub lands.) */

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from '../app.js';

export interface Hub {
  /** The internal uWS port the front door bridges `/__tandem/hub` upgrades to. */
  readonly port: number;
  /** Passes a front-door upgrade request for `/__tandem/hub` to the hub. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Tells every connected client to reconnect elsewhere, then closes. */
  shutdown(): Promise<void>;
}

export async function startHub(_app: App): Promise<Hub> {
  return {
    port: 0,
    handleUpgrade: (_req, socket) => socket.destroy(),
    shutdown: async () => {},
  };
}
