/**
 * The exported session log: every retained command, in seq order, one JSON object a line
 * (`application/x-ndjson`). Masked values are never in it: the hooks never send them.
 */

import type { ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { sendError } from '../errors.js';

export async function sendLog(app: App, res: ServerResponse, sessionId: string, head: boolean): Promise<void> {
  const meta = await app.store.log.meta(sessionId);
  if (!meta) return sendError(res, 'TANDEM_ERR_UNKNOWN_SESSION', `no log for session ${sessionId}`);
  const entries = await app.store.log.entries(sessionId);
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'content-disposition': `attachment; filename="tandem-${sessionId}.ndjson"`,
    'x-tandem-epoch': meta.epoch,
  });
  if (head) return void res.end();
  // Written in slices so a long log never becomes one huge string.
  const SLICE = 500;
  for (let i = 0; i < entries.length; i += SLICE) {
    const chunk = entries
      .slice(i, i + SLICE)
      .map((e) => JSON.stringify(e) + '\n')
      .join('');
    if (!res.write(chunk)) {
      await new Promise((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
      if (res.destroyed) return;
    }
  }
  res.end();
}
