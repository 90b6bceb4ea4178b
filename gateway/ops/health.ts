/**
 * What the front door needs from ops on every request: liveness and readiness answers, the
 * headers on Tandem's own responses, and the per-request accounting (request id, counter).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { sendError, sendJson } from '../errors.js';
import { statusClass } from './metrics.js';
import { assignRequestId } from './request-id.js';

/** Whether the last readiness probe found the store down, per gateway. */
const storeDown = new WeakMap<App, boolean>();

/** A readiness probe waits this long for the store; load balancers probe every few seconds. */
export const READY_TIMEOUT_MS = 2_000;

/** Resolves with `p`, or rejects after `ms` with an error that says what timed out. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** `/__tandem/healthz`: the process serves. Nothing else is checked, so a store outage never restarts replicas. */
export function sendHealth(res: ServerResponse): void {
  sendJson(res, 200, { ok: true });
}

/**
 * `/__tandem/readyz`: 200 while the store answers and the gateway is not draining; 503
 * otherwise, so a load balancer stops sending new work without the process restarting.
 */
export async function sendReadiness(app: App, res: ServerResponse, draining: boolean): Promise<void> {
  if (draining) return sendError(res, 'TANDEM_ERR_DRAINING', undefined, { connection: 'close' });
  try {
    await withTimeout(app.store.ping(), READY_TIMEOUT_MS, `the ${app.store.kind} store`);
    if (storeDown.get(app)) app.log.info({ store: app.store.kind }, 'readiness: the store answers again');
    storeDown.set(app, false);
    sendJson(res, 200, { ok: true, store: app.store.kind });
  } catch (err) {
    app.metrics.storeErrors.inc();
    // Once per outage, not once per probe: balancers probe every few seconds.
    if (!storeDown.get(app))
      app.log.warn({ store: app.store.kind, err: { message: (err as Error).message } }, 'readiness: store unreachable');
    storeDown.set(app, true);
    sendError(res, 'TANDEM_ERR_STORE_UNAVAILABLE', `the ${app.store.kind} store is unreachable: ${(err as Error).message}`);
  }
}

/**
 * Headers on everything Tandem serves itself (never on proxied responses, which are the
 * origin's): no MIME sniffing, no referrer leaks, and HSTS when the gateway terminates TLS.
 */
export function setOwnHeaders(res: ServerResponse, tls: boolean): void {
  res.setHeader('x-content-type-options', 'nosniff');
  if (!res.hasHeader('referrer-policy')) res.setHeader('referrer-policy', 'same-origin');
  if (tls) res.setHeader('strict-transport-security', 'max-age=31536000');
}

const ROUTES = new Set(['api', 'assets', 'console', 'csp-report', 'healthz', 'hub', 'metrics', 'o', 'readyz', 's']);

/** A small, fixed label set for the request counter. */
export function routeLabel(path: string): string {
  if (!path.startsWith('/__tandem/')) return 'origin';
  const first = path.slice('/__tandem/'.length).split(/[/?]/, 1)[0];
  return ROUTES.has(first) ? (first === 'o' ? 'origin' : first) : 'other';
}

/** Request id (echoed in `x-request-id`) and the request counter, for one front-door request. */
export function trackRequest(app: App, req: IncomingMessage, res: ServerResponse): void {
  assignRequestId(req, res);
  res.once('finish', () => {
    app.metrics.httpRequests.inc({ route: routeLabel(req.url ?? '/'), status_class: statusClass(res.statusCode) });
  });
}
