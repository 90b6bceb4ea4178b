/** Console and session URL pages (`/__tandem/console`, `/__tandem/s/<id>`). (Stub until sessions land.) */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import type { Assets } from '../pages.js';

/** Serves the page if `url` is one of its; returns false otherwise. */
export async function handleTandemPage(_app: App, _assets: Assets, _req: IncomingMessage, _res: ServerResponse, _url: URL): Promise<boolean> {
  return false;
}
