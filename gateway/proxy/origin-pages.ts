/**
 * Pages the gateway answers in a proxied page's place: a redirect that would take the content
 * frame out of the allowed origins, and an origin that could not be reached or did not answer.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import type { Logger } from 'pino';
import { ERRORS, sendError, type ErrorCode } from '../errors.js';
import { escapeHtml } from '../pages.js';
import { requestId } from '../ops/request-id.js';
import { mapUrl, type OriginMap } from '../../protocol/url-map.js';
import { rewriteBodyStream, type BodyContext } from './rewriting.js';

/** The foreign URL a navigation's redirect leads to, or null when it stays inside the gateway. */
export function foreignRedirect(
  req: IncomingMessage,
  status: number,
  location: string | undefined,
  target: URL,
  map: OriginMap,
): string | null {
  if (status < 300 || status >= 400 || !location || req.headers['sec-fetch-mode'] !== 'navigate') return null;
  const r = mapUrl(location, target.href, map);
  return r.kind === 'foreign' ? new URL(location, target).href : null;
}

/**
 * A redirect out of the allowed origins would take the content frame, and the session, away
 * silently. Instead the frame shows a page (with the hooks, so everyone sees it) whose link
 * opens the destination in a new tab outside the session.
 */
export function leaveInNewTab(req: IncomingMessage, res: ServerResponse, destination: string, rewrite: BodyContext, log: Logger): void {
  const host = new URL(destination).host;
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Leaving the shared session</title></head>
<body style="font:16px system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em">
<h1 style="font-size:1.4em">This link leaves the shared session</h1>
<p>The page continues on <strong>${escapeHtml(host)}</strong>, which is not part of this co-browsing session.</p>
<p><a data-tandem="leave-link" href="${escapeHtml(destination)}">Open ${escapeHtml(host)} in a new tab</a></p>
</body></html>`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  pipeline(Readable.from([Buffer.from(page)]), rewriteBodyStream('html', rewrite), res, (err) => {
    if (err) log.warn({ reqId: requestId(req), err: { message: err.message } }, 'leaving page ended early');
  });
}

/** A 502/504 naming the origin: a page for a browser's navigation, JSON for anything else. */
export function sendOriginError(req: IncomingMessage, res: ServerResponse, code: ErrorCode, origin: string): void {
  if (res.headersSent) return void res.destroy();
  const { status, text } = ERRORS[code];
  const message = `${origin}: ${text}`;
  if (!wantsHtml(req)) return sendError(res, code, message);
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${status} ${escapeHtml(text)}</title></head><body><h1>${escapeHtml(text[0].toUpperCase() + text.slice(1))}</h1><p>The site <strong>${escapeHtml(origin)}</strong> ${code === 'TANDEM_ERR_UPSTREAM_TIMEOUT' ? 'did not answer in time' : 'could not be reached'}. Please try again in a moment.</p><p><code>${code}</code></p></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function wantsHtml(req: IncomingMessage): boolean {
  const dest = req.headers['sec-fetch-dest'];
  if (dest === 'document' || dest === 'iframe' || dest === 'frame') return true;
  if (dest !== undefined && dest !== 'empty') return false;
  return /\btext\/html\b/.test(String(req.headers.accept ?? ''));
}
