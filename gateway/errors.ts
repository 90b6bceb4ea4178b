/**
 * Gateway errors: every one has a stable code, listed in docs/errors.md (a test keeps the two
 * in step), an HTTP status, and a JSON body `{error, message}` for API callers.
 */

import type { ServerResponse } from 'node:http';

export const ERRORS = {
  TANDEM_ERR_CONFIG: { status: 500, text: 'the configuration is invalid' },
  TANDEM_ERR_NOT_FOUND: { status: 404, text: 'no such resource' },
  TANDEM_ERR_METHOD: { status: 405, text: 'method not allowed' },
  TANDEM_ERR_BAD_REQUEST: { status: 400, text: 'the request is malformed' },
  TANDEM_ERR_TOO_LARGE: { status: 413, text: 'the request body is too large' },
  TANDEM_ERR_REQUEST_TIMEOUT: { status: 408, text: 'the request body did not arrive in time' },
  TANDEM_ERR_UNAUTHORIZED: { status: 401, text: 'a valid login or token is required' },
  TANDEM_ERR_FORBIDDEN: { status: 403, text: 'not allowed' },
  TANDEM_ERR_HOST_NOT_ALLOWED: { status: 403, text: 'that origin is not configured for this gateway' },
  TANDEM_ERR_RATE_LIMITED: { status: 429, text: 'too many attempts' },
  TANDEM_ERR_UPSTREAM_UNREACHABLE: { status: 502, text: 'the origin could not be reached' },
  TANDEM_ERR_UPSTREAM_TIMEOUT: { status: 504, text: 'the origin did not answer in time' },
  TANDEM_ERR_SESSION_ENDED: { status: 410, text: 'the session has ended' },
  TANDEM_ERR_UNKNOWN_SESSION: { status: 404, text: 'no such session' },
  TANDEM_ERR_CALL_TAKEN: { status: 409, text: 'another operator responded first' },
  TANDEM_ERR_STORE_UNAVAILABLE: { status: 503, text: 'the store is unreachable' },
  TANDEM_ERR_DRAINING: { status: 503, text: 'the gateway is shutting down' },
  TANDEM_ERR_INTERNAL: { status: 500, text: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class TandemError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message ?? ERRORS[code].text);
    this.status = ERRORS[code].status;
  }
}

/** Answers with the JSON error body of the contract. */
export function sendError(res: ServerResponse, code: ErrorCode, message?: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: code, message: message ?? ERRORS[code].text });
  res.writeHead(ERRORS[code].status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...closeIfBodyUnread(res),
    ...headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...closeIfBodyUnread(res),
    ...headers,
  });
  res.end(JSON.stringify(value));
}

/**
 * An answer given before the request's body has arrived (a refusal that needs no body) closes
 * the connection: otherwise node reads and drops the rest of the body to keep the connection,
 * and a client trickling a long body would hold it as long as it likes.
 */
function closeIfBodyUnread(res: ServerResponse): Record<string, string> {
  return res.req && !res.req.complete ? { connection: 'close' } : {};
}
