/**
 * Cookies from an origin, rewritten for the gateway's host: the same rules for Set-Cookie
 * response headers (gateway/proxy/rewrite-headers.ts) and for `document.cookie = …` in the page
 * (inject/runtime/cookies.ts). No Node or DOM types.
 *
 * rewriteSetCookie(value, ctx) → the header value to send, or null to drop it.
 *   Domain    → the gateway's host name when that is a DNS name with a dot (not an IP, not
 *               `localhost`); otherwise removed (a host-only cookie on the gateway's host).
 *   Secure    → kept only when the gateway is https (removed otherwise, or the browser drops it).
 *   SameSite=None without Secure → SameSite=Lax: the content frame is same-site with the
 *               shell, so Lax keeps the cookie in use where None would have it rejected.
 *   Partitioned → removed when Secure cannot stay (it requires Secure).
 *   Path      → kept on the primary origin; on a further origin prefixed with
 *               `/__tandem/o/<scheme>/<host>`; without an explicit Path the browser's default
 *               (the request path's directory) is already the prefixed one.
 *   Names starting with `tandem_` are dropped: they would shadow Tandem's own cookies.
 *   `__Host-` / `__Secure-` cookies on an http gateway cannot be kept (the browser requires
 *   Secure); they are passed through and the browser drops them.
 */

import { ORIGIN_PREFIX, type OriginMap } from './url-map.js';

export interface CookieContext {
  readonly map: OriginMap;
  /** The real origin that sent the cookie (`https://static.bank.example`). */
  readonly origin: string;
  readonly gatewayHttps: boolean;
  /** The gateway's host as the browser sees it (`gw.example:8443`). */
  readonly gatewayHost: string;
}

export function rewriteSetCookie(value: string, ctx: CookieContext): string | null {
  const parts = value.split(';');
  const pair = parts[0];
  const eq = pair.indexOf('=');
  const name = (eq < 0 ? '' : pair.slice(0, eq)).trim();
  if (name.toLowerCase().startsWith('tandem_')) return null;

  const out: string[] = [pair.trim()];
  let secure = false;
  let sameSiteNone = -1;
  let partitioned = -1;
  for (let i = 1; i < parts.length; i++) {
    const attr = parts[i].trim();
    if (!attr) continue;
    const e = attr.indexOf('=');
    const key = (e < 0 ? attr : attr.slice(0, e)).trim().toLowerCase();
    const val = e < 0 ? '' : attr.slice(e + 1).trim();
    switch (key) {
      case 'domain': {
        const host = gatewayHostName(ctx.gatewayHost);
        if (host !== null) out.push(`Domain=${host}`);
        break;
      }
      case 'secure':
        if (ctx.gatewayHttps) {
          secure = true;
          out.push(attr);
        }
        break;
      case 'path':
        out.push(`Path=${prefixPath(val, ctx)}`);
        break;
      case 'samesite':
        if (val.toLowerCase() === 'none') sameSiteNone = out.length;
        out.push(attr);
        break;
      case 'partitioned':
        partitioned = out.length;
        out.push(attr);
        break;
      default:
        out.push(attr);
    }
  }
  if (!secure) {
    if (sameSiteNone >= 0) out[sameSiteNone] = 'SameSite=Lax';
    if (partitioned >= 0) out[partitioned] = '';
  }
  return out.filter(Boolean).join('; ');
}

/** The gateway host name usable as a cookie Domain, or null when a host-only cookie is needed. */
function gatewayHostName(hostPort: string): string | null {
  const host = hostPort.startsWith('[') ? '' : hostPort.replace(/:\d+$/, '').toLowerCase();
  if (!host || !host.includes('.') || /^[\d.]+$/.test(host) || host === 'localhost') return null;
  return host;
}

function prefixPath(path: string, ctx: CookieContext): string {
  if (ctx.origin === ctx.map.primary || !path.startsWith('/')) return path;
  const sep = ctx.origin.indexOf('://');
  const prefix = `${ORIGIN_PREFIX}${ctx.origin.slice(0, sep)}/${ctx.origin.slice(sep + 3)}`;
  return path === '/' ? prefix : prefix + path;
}
