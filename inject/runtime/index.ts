/**
 * The in-page URL runtime: covers what markup rewriting cannot, the URLs scripts build at run
 * time (CONTRACT §4). `installRuntime(config)` once, first thing in the hooks bundle:
 *   network.ts     fetch, XMLHttpRequest, WebSocket, EventSource, sendBeacon, workers, no SW
 *   navigation.ts  window.open, history, the Navigation API's navigate event; frame-busting
 *                  and the content frame's sandbox value
 *   elements.ts    URL property setters and setAttribute
 *   markup.ts      URL attributes in innerHTML, insertAdjacentHTML, document.write…
 *   cookies.ts     document.cookie writes fitted to the gateway like Set-Cookie headers
 * It returns the page's URL helpers (real location, mapping) for the hooks. Installing twice
 * returns the first installation. Nothing is left on the page's globals, nothing throws.
 */

import { createOriginMap, originOf } from '../../protocol/url-map.js';
import { safely } from './guard.js';
import { patchCookies } from './cookies.js';
import { patchElements } from './elements.js';
import { patchMarkup } from './markup.js';
import { patchNavigation } from './navigation.js';
import { patchNetwork } from './network.js';
import { createPageUrls, type PageUrls } from './page-url.js';

export type { PageUrls } from './page-url.js';

export interface RuntimeConfig {
  /** The primary origin (`data-primary`). */
  primary: string;
  /** The further allowed origins (`data-allow`, split on commas). */
  allowed: string[];
  /** The real origin of this page (`data-page-origin`). */
  pageOrigin: string;
}

let installed: PageUrls | null = null;

export function installRuntime(config: RuntimeConfig, win: Window & typeof globalThis = window): PageUrls | null {
  if (installed) return installed;
  return safely(() => {
    const map = createOriginMap(config.primary, config.allowed.filter(Boolean));
    const urls = createPageUrls(map, win.document, win.location);
    installed = urls;
    patchNetwork(win, urls);
    patchNavigation(win, urls);
    patchElements(win, urls);
    patchMarkup(win, urls);
    patchCookies(win, urls, originOf(config.pageOrigin) ?? map.primary);
    return urls;
  }, null);
}
