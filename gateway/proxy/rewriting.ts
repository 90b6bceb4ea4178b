/**
 * The seam between the proxy's plumbing and the rewriters (rewrite-html, rewrite-css,
 * rewrite-headers): the proxy asks for a response head and a body stream, and never needs to
 * know how either is rewritten.
 */

import type { OutgoingHttpHeaders } from 'node:http';
import { PassThrough, type Transform } from 'node:stream';
import type { OriginMap } from '../../protocol/url-map.js';
import { createCssRewriteStream } from './rewrite-css.js';

export type BodyKind = 'html' | 'css';

export interface HeadInput {
  status: number;
  /** The origin's headers, hop-by-hop ones removed; rewritten in place or replaced. */
  headers: OutgoingHttpHeaders;
  /** The real URL that answered. */
  realUrl: string;
  map: OriginMap;
  gatewaySecure: boolean;
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
  hooksSrc: string;
  nonce: string | null;
  /** The kept-response id of a submitted form's answer (data-kept on the hooks tag). */
  kept: string | null;
  mask: string;
}

export function rewriteResponseHead(input: HeadInput): RewrittenHead {
  return { headers: input.headers, nonce: null };
}

export function rewriteBodyStream(kind: BodyKind, ctx: BodyContext): Transform {
  if (kind === 'css') return createCssRewriteStream({ map: ctx.map, baseUrl: ctx.realUrl });
  return new PassThrough();
}
