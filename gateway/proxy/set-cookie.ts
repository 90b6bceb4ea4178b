/** Set-Cookie rewriting for response headers: the shared rules live in protocol/cookie-map.ts (the page uses them too). */

export { rewriteSetCookie, type CookieContext } from '../../protocol/cookie-map.js';
