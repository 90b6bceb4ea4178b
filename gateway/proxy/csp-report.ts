/**
 * `/__tandem/csp-report`: the safety-net policy reports URLs that escaped the rewriting. Each
 * report is counted and its blocked URL logged, so a page that leaks can be found and fixed.
 * Both report formats are read: `application/csp-report` (report-uri) and
 * `application/reports+json` (Reporting API). A body that is not a report is a 400, never more.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { sendError, TandemError } from '../errors.js';
import { readBody } from '../request-body.js';
import { logUrl } from '../ops/logger.js';
import { requestId } from '../ops/request-id.js';

export const MAX_REPORT_BYTES = 64 * 1024;

interface Violation {
  blocked: string;
  directive: string;
  document: string;
}

const TYPES = new Set(['application/csp-report', 'application/reports+json', 'application/json']);

function str(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, 2048) : '';
}

/** The violations in a parsed report body; null when it is no report at all. */
export function violationsOf(body: unknown): Violation[] | null {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'csp-report' in body) {
    const r = (body as Record<string, unknown>)['csp-report'];
    if (!r || typeof r !== 'object') return null;
    const o = r as Record<string, unknown>;
    return [
      {
        blocked: str(o['blocked-uri']),
        directive: str(o['effective-directive'] ?? o['violated-directive']),
        document: str(o['document-uri']),
      },
    ];
  }
  if (Array.isArray(body)) {
    const out: Violation[] = [];
    for (const item of body) {
      if (!item || typeof item !== 'object') return null;
      const o = item as Record<string, unknown>;
      if (o.type !== 'csp-violation') continue;
      const b = (o.body ?? {}) as Record<string, unknown>;
      out.push({ blocked: str(b.blockedURL), directive: str(b.effectiveDirective), document: str(b.documentURL ?? o.url) });
    }
    return out;
  }
  return null;
}

export function acceptCspReport(app: App, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST') return sendError(res, 'TANDEM_ERR_METHOD', 'CSP reports are POSTed', { allow: 'POST' });
  const type = String(req.headers['content-type'] ?? '')
    .split(';', 1)[0]
    .trim()
    .toLowerCase();
  if (!TYPES.has(type)) return sendError(res, 'TANDEM_ERR_BAD_REQUEST', 'expected application/csp-report or application/reports+json');
  readBody(req, { maxBytes: MAX_REPORT_BYTES }).then(
    (body) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return sendError(res, 'TANDEM_ERR_BAD_REQUEST', 'the report is not JSON');
      }
      report(app, req, res, parsed);
    },
    (err: unknown) => {
      if (!(err instanceof TandemError)) return void res.destroy();
      sendError(res, err.code, err.code === 'TANDEM_ERR_TOO_LARGE' ? `a report may have at most ${MAX_REPORT_BYTES} bytes` : err.message, {
        connection: 'close',
      });
    },
  );
}

function report(app: App, req: IncomingMessage, res: ServerResponse, parsed: unknown): void {
  const violations = violationsOf(parsed);
  if (violations === null) return sendError(res, 'TANDEM_ERR_BAD_REQUEST', 'the body is not a CSP report');
  for (const v of violations) {
    app.metrics.cspReports.inc();
    app.log.warn(
      { reqId: requestId(req), blocked: logUrl(v.blocked), directive: v.directive, document: logUrl(v.document) },
      'csp: a URL escaped rewriting',
    );
  }
  res.writeHead(204, { 'cache-control': 'no-store' }).end();
}
