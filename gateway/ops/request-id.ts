/**
 * Request ids: every request through the front door gets one, so a proxied request, the log
 * lines it causes and the load balancer's own log can be joined. An `x-request-id` from the
 * caller (usually the load balancer) is kept when it looks like an id; anything else is
 * replaced, so a hostile header never reaches the logs as written.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Short, printable, no spaces or quotes: what load balancers and tracing systems send. */
const SANE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const ids = new WeakMap<IncomingMessage, string>();

/** Whether an incoming `x-request-id` value is kept as is. */
export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE.test(value);
}

/**
 * Gives the request its id (the caller's, if sane, else a new UUID) and echoes it in the
 * response header. Called once by the front door for every request and upgrade.
 */
export function assignRequestId(req: IncomingMessage, res?: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = isSaneRequestId(incoming) ? incoming : randomUUID();
  ids.set(req, id);
  // Whatever reaches the origin (if the proxy forwards the header) is the id that we log.
  req.headers[REQUEST_ID_HEADER] = id;
  res?.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id of a request that passed through the front door (a new one for any other request). */
export function requestId(req: IncomingMessage): string {
  return ids.get(req) ?? assignRequestId(req);
}

/** A child logger whose every line carries the request id as `reqId`. */
export function requestLogger(log: Logger, req: IncomingMessage): Logger {
  return log.child({ reqId: requestId(req) });
}
