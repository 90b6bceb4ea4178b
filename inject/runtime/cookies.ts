/**
 * `document.cookie = …` from the page's scripts, fitted to the gateway like Set-Cookie headers
 * (protocol/cookie-map.ts): a Domain of the origin would make the browser drop the cookie on the
 * gateway's host, Secure and SameSite=None would on an http gateway, and a path on a further
 * origin must carry its /__tandem/o/ prefix. Reading document.cookie is left as it is.
 */

import { rewriteSetCookie } from '../../protocol/cookie-map.js';
import { patchSetter } from './guard.js';
import type { PageUrls } from './page-url.js';

export function patchCookies(win: Window & typeof globalThis, urls: PageUrls, pageOrigin: string): void {
  const ctx = { map: urls.map, origin: pageOrigin, gatewayHttps: win.location.protocol === 'https:', gatewayHost: win.location.host };
  patchSetter(win.Document.prototype, 'cookie', (value) => (typeof value === 'string' ? (rewriteSetCookie(value, ctx) ?? '') : value));
}
