/**
 * Response headers from an origin, rewritten for the gateway.
 *
 * rewriteResponseHeaders(headers, ctx) → { headers, nonce }
 *   headers  what to send (lower-case names; Set-Cookie and CSP as arrays), never the input object
 *   nonce    the CSP nonce the hooks' tag must carry (hookTag({ nonce })), or null
 *
 *   Location, Content-Location  mapped (mapUrl against the response URL); foreign ones stay
 *   Refresh                     `5; url=…` mapped
 *   Link                        every `<url>` mapped
 *   Set-Cookie                  set-cookie.ts
 *   Content-Security-Policy(-Report-Only)  csp.ts adjustPolicy, one nonce for all policies
 *   X-Frame-Options             removed (the shell frames the page; CSP frame-ancestors says 'self')
 *   Strict-Transport-Security, Alt-Svc, Public-Key-Pins, Expect-CT, Report-To, Reporting-Endpoints,
 *   NEL, Clear-Site-Data        removed: they describe the origin's host, not the gateway's, and
 *                               Clear-Site-Data would wipe the gateway's own cookies and storage
 *   ctx.document                adds the safety-net policy (csp.ts safetyNetPolicy) as
 *                               Content-Security-Policy-Report-Only, or enforcing by ctx.cspMode
 *   ctx.bodyRewritten           drops BODY_DEPENDENT_HEADERS and weakens ETag (W/): the bytes
 *                               change, the resource does not. When a fresh nonce was added to
 *                               the policy, ETag and Last-Modified are dropped instead, so a 304
 *                               can never pair a cached body with another nonce.
 */

import { randomBytes } from 'node:crypto';
import { mapUrl, type OriginMap } from '../../protocol/url-map.js';
import { adjustPolicy, safetyNetPolicy } from './csp.js';
import { rewriteSetCookie } from './set-cookie.js';
import { rewriteRefresh } from './rewrite-html.js';

export interface ResponseHeaderContext {
  readonly map: OriginMap;
  /** The real URL of the response (what was requested at the origin). */
  readonly url: string;
  readonly gatewayHttps: boolean;
  /** The gateway's host as the browser sees it (`gw.example:8443`). */
  readonly gatewayHost: string;
  readonly cspMode: 'report-only' | 'enforce';
  /** The body will be rewritten (HTML or CSS). */
  readonly bodyRewritten: boolean;
  /** An HTML page that gets the hooks: adds the safety-net policy and computes the nonce. */
  readonly document: boolean;
  /** Makes a fresh nonce when the page's policy needs one for the hooks (default: 16 random bytes, base64). */
  readonly newNonce?: () => string;
}

export interface RewrittenHeaders {
  readonly headers: Record<string, string | string[]>;
  readonly nonce: string | null;
}

/** Headers that describe the exact bytes of a body: wrong once it is rewritten. */
export const BODY_DEPENDENT_HEADERS = [
  'content-length',
  'content-md5',
  'digest',
  'content-digest',
  'repr-digest',
  'accept-ranges',
  'content-range',
] as const;

const DROPPED = new Set([
  'x-frame-options',
  'strict-transport-security',
  'alt-svc',
  'public-key-pins',
  'public-key-pins-report-only',
  'expect-ct',
  'report-to',
  'reporting-endpoints',
  'nel',
  'clear-site-data',
]);

type InHeaders = Record<string, string | string[] | number | undefined>;

export function rewriteResponseHeaders(input: InHeaders, ctx: ResponseHeaderContext): RewrittenHeaders {
  const out: Record<string, string | string[]> = {};
  const origin = new URL(ctx.url).origin;
  let nonce: string | null = null;
  let freshNonce = false;
  const makeNonce = (): string => {
    freshNonce = true;
    return ctx.newNonce ? ctx.newNonce() : randomNonce();
  };

  for (const [rawName, rawValue] of Object.entries(input)) {
    if (rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    if (DROPPED.has(name)) continue;
    if (ctx.bodyRewritten && (BODY_DEPENDENT_HEADERS as readonly string[]).includes(name)) continue;
    const values = Array.isArray(rawValue) ? rawValue : [String(rawValue)];
    switch (name) {
      case 'location':
      case 'content-location': {
        const r = mapUrl(values[0], ctx.url, ctx.map);
        out[name] = r.kind === 'mapped' ? r.url : values[0];
        break;
      }
      case 'refresh':
        out[name] = rewriteRefresh(values[0], ctx.url, ctx.map) ?? values[0];
        break;
      case 'link':
        out[name] = values.map((v) => rewriteLink(v, ctx));
        break;
      case 'set-cookie': {
        const kept = values
          .map((v) => rewriteSetCookie(v, { map: ctx.map, origin, gatewayHttps: ctx.gatewayHttps, gatewayHost: ctx.gatewayHost }))
          .filter((v): v is string => v !== null);
        if (kept.length) out[name] = kept;
        break;
      }
      case 'content-security-policy':
      case 'content-security-policy-report-only': {
        const policies: string[] = [];
        // Several headers arrive joined by commas (a policy list): each policy is adjusted alone.
        for (const v of values.flatMap((h) => h.split(','))) {
          // Only an enforced policy can block the hooks; a report-only one just stops reporting to the origin.
          const r = adjustPolicy(v, {
            map: ctx.map,
            gatewayHttps: ctx.gatewayHttps,
            hooks: ctx.document && name === 'content-security-policy',
            nonce,
            newNonce: makeNonce,
          });
          if (r.nonce) nonce = r.nonce;
          if (r.policy.trim()) policies.push(r.policy);
        }
        if (policies.length) out[name] = [...asArray(out[name]), ...policies];
        break;
      }
      case 'etag':
        if (ctx.bodyRewritten) out[name] = values[0].startsWith('W/') ? values[0] : `W/${values[0]}`;
        else out[name] = values[0];
        break;
      default:
        out[name] = Array.isArray(rawValue) ? rawValue : String(rawValue);
    }
  }

  if (ctx.document) {
    const header = ctx.cspMode === 'enforce' ? 'content-security-policy' : 'content-security-policy-report-only';
    out[header] = [...asArray(out[header]), safetyNetPolicy()];
  }
  if (freshNonce) {
    delete out['etag'];
    delete out['last-modified'];
  }
  return { headers: out, nonce };
}

function asArray(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `<https://bank.example/a.css>; rel=preload, <…>` with every URL mapped. */
export function rewriteLink(value: string, ctx: Pick<ResponseHeaderContext, 'map' | 'url'>): string {
  return value.replace(/<([^>]*)>/g, (whole, url: string) => {
    const r = mapUrl(url, ctx.url, ctx.map);
    return r.kind === 'mapped' ? `<${r.url}>` : whole;
  });
}

function randomNonce(): string {
  return randomBytes(16).toString('base64');
}
