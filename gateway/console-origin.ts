/**
 * Two origins, one port: proxied pages live on the customers' origin, and everything that holds
 * an operator's credential (the console, the session pages, operators' REST calls) on the
 * console origin (TANDEM_CONSOLE_URL). A script on a proxied page, an XSS on the origin or a
 * third-party script there, then shares an origin with nothing of the operator's: it cannot read
 * the console's cookie, its pages or its answers. This module says which requests each origin
 * answers; with no console URL set, one origin answers everything (start warns).
 *
 * Which side a request is on comes from its Host header: the console URL's host (and its port,
 * when the URL names one). API calls that carry an Origin header must come from the side they
 * are made on: a page elsewhere cannot make them with the browser's cookies.
 */

import type { IncomingMessage } from 'node:http';
import type { Config } from './config.js';

export type Side = 'console' | 'customer' | 'one';

export type Decision =
  | { kind: 'serve' }
  | { kind: 'redirect'; location: string }
  | { kind: 'refuse'; code: 'TANDEM_ERR_NOT_FOUND' | 'TANDEM_ERR_FORBIDDEN'; message: string };

/** REST calls a customer's shell makes (on the customers' origin). */
const CUSTOMER_CALLS: readonly [string, RegExp][] = [
  ['POST', /^\/__tandem\/api\/sessions$/],
  ['GET', /^\/__tandem\/api\/session$/],
  ['POST', /^\/__tandem\/api\/sessions\/[^/]+\/end$/],
];

/** What serves on both origins: health, metrics, the bundles, the hub. */
const SHARED = /^\/__tandem\/(?:healthz|readyz|metrics|assets\/|hub(?:$|\?))/;
/** The operator side's pages. */
const CONSOLE_PAGES = /^\/__tandem\/(?:console\/?$|s\/)/;

function hostOf(req: IncomingMessage): string {
  return String(req.headers.host ?? '').toLowerCase();
}

export class ConsoleOrigin {
  readonly #url: URL | null;

  constructor(config: Pick<Config, 'consoleUrl'>) {
    this.#url = config.consoleUrl ? new URL(config.consoleUrl) : null;
  }

  get split(): boolean {
    return this.#url !== null;
  }

  sideOf(req: IncomingMessage): Side {
    const u = this.#url;
    if (!u) return 'one';
    const host = hostOf(req);
    if (u.port) return host === u.host ? 'console' : 'customer';
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    return name === u.hostname ? 'console' : 'customer';
  }

  /** The console origin as a browser on this request should reach it (its port when the URL names none). */
  consoleBase(req: IncomingMessage): string {
    const u = this.#url;
    if (!u) return '';
    if (u.port) return u.origin;
    const port = hostOf(req).match(/:(\d+)$/)?.[1];
    return `${u.protocol}//${u.hostname}${port ? `:${port}` : ''}`;
  }

  decide(req: IncomingMessage, pathname: string): Decision {
    const side = this.sideOf(req);
    if (side === 'one' || SHARED.test(pathname)) return { kind: 'serve' };
    const method = req.method ?? 'GET';
    const customerCall = CUSTOMER_CALLS.some(([m, re]) => m === method && re.test(pathname));
    if (side === 'console') {
      if (pathname === '/' && (method === 'GET' || method === 'HEAD')) return { kind: 'redirect', location: '/__tandem/console' };
      if (CONSOLE_PAGES.test(pathname)) return { kind: 'serve' };
      if (pathname.startsWith('/__tandem/api/') && !customerCall) return { kind: 'serve' };
      return {
        kind: 'refuse',
        code: 'TANDEM_ERR_NOT_FOUND',
        message: "the console origin serves the console only: customers browse on the gateway's public origin",
      };
    }
    if (CONSOLE_PAGES.test(pathname)) {
      if (method === 'GET' || method === 'HEAD') return { kind: 'redirect', location: this.consoleBase(req) + (req.url ?? pathname) };
      return { kind: 'refuse', code: 'TANDEM_ERR_FORBIDDEN', message: 'the operator side is served on the console origin' };
    }
    if (pathname.startsWith('/__tandem/api/') && !customerCall) {
      return { kind: 'refuse', code: 'TANDEM_ERR_FORBIDDEN', message: 'operator calls are answered on the console origin only' };
    }
    return { kind: 'serve' };
  }

  /**
   * Whether an API call's Origin header (when the browser sent one) is the origin the call is
   * made on. `own` is this request's own origin as the browser sees it.
   */
  originAllowed(req: IncomingMessage, own: string): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return origin === own;
  }
}
