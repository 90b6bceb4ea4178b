/** The reverse proxy for the primary and allowed origins. (Stub until the proxy lands.) */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from '../app.js';
import { sendError } from '../errors.js';

export interface Proxy {
  /** Proxies one request (primary origin at the root, allowed origins under /__tandem/o/). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Proxies an origin WebSocket upgrade. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** `/__tandem/csp-report`: counts and logs what escaped the rewriting. */
  cspReport(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

export function createProxy(_app: App): Proxy {
  return {
    handle: (_req, res) => sendError(res, 'TANDEM_ERR_UPSTREAM_UNREACHABLE'),
    upgrade: (_req, socket) => socket.destroy(),
    cspReport: (_req, res) => res.writeHead(204).end(),
    close: async () => {},
  };
}
