/**
 * The seam between the proxy's plumbing and the rewriters (rewrite-html, rewrite-css,
 * rewrite-headers, inject-tag): the proxy asks for a response head and a body stream, and never
 * needs to know how either is rewritten.
 */

import type { OutgoingHttpHeaders } from 'node:http';
import type { Transform } from 'node:stream';
import type { OriginMap } from '../../protocol/url-map.js';
import { createCssRewriteStream } from './rewrite-css.js';
import { createHtmlRewriteStream } from './rewrite-html.js';
import { rewriteResponseHeaders } from './rewrite-headers.js';
import { hookTag } from './inject-tag.js';

export type BodyKind = 'html' | 'css';

export interface HeadInput {
  status: number;
  /** The origin's headers, hop-by-hop ones removed. */
  headers: OutgoingHttpHeaders;
  /** The real URL that answered. */
  realUrl: string;
  map: OriginMap;
  gatewaySecure: boolean;
  /** The gateway's host as the browser sees it. */
  gatewayHost: string;
  cspMode: 'report-only' | 'enforce';
  /** What the body will be rewritten as, or null when it streams through. */
  kind: BodyKind | null;
}

export interface RewrittenHead {
  headers: OutgoingHttpHeaders;
  /** The CSP nonce the hooks tag must carry, when the page's policy needs one. */
  nonce: string | null;
}

export interface BodyContext {
  map: OriginMap;
  realUrl: string;
  gatewaySecure: boolean;
  hooksSrc: string;
  nonce: string | null;
  mask: string;
}

export function rewriteResponseHead(input: HeadInput): RewrittenHead {
  const r = rewriteResponseHeaders(input.headers, {
    map: input.map,
    url: input.realUrl,
    gatewayHttps: input.gatewaySecure,
    gatewayHost: input.gatewayHost,
    cspMode: input.cspMode,
    bodyRewritten: input.kind !== null,
    document: input.kind === 'html',
  });
  return { headers: { ...r.headers }, nonce: r.nonce };
}

export function rewriteBodyStream(kind: BodyKind, ctx: BodyContext): Transform {
  if (kind === 'css') return createCssRewriteStream({ map: ctx.map, baseUrl: ctx.realUrl });
  const data: Record<string, string> = {
    primary: ctx.map.primary,
    allow: ctx.map.allowed.join(','),
    'page-origin': new URL(ctx.realUrl).origin,
    'page-url': ctx.realUrl,
  };
  if (ctx.mask) data.mask = ctx.mask;
  const inject = hookTag({ src: ctx.hooksSrc, nonce: ctx.nonce, data });
  return createHtmlRewriteStream({ map: ctx.map, pageUrl: ctx.realUrl, inject, gatewayHttps: ctx.gatewaySecure });
}
