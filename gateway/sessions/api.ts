/** The REST API of CONTRACT section 6 under /__tandem/api/. (Stub until sessions land.) */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { sendError } from '../errors.js';

export interface Api {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  close(): Promise<void>;
}

export function createApi(_app: App): Api {
  return {
    handle: async (_req, res) => sendError(res, 'TANDEM_ERR_NOT_FOUND'),
    close: async () => {},
  };
}
