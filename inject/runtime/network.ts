/**
 * Requests that scripts make: fetch (string, URL and Request), XMLHttpRequest.open, WebSocket
 * (to the gateway's ws/wss), EventSource, navigator.sendBeacon, Worker and SharedWorker.
 * Service workers are refused: one registered by the origin would sit at the gateway's root and
 * intercept every request, Tandem's own included.
 */

import { native } from '../native.js';
import { patchArguments, patchConstructor, patchMethod } from './guard.js';
import type { PageUrls } from './page-url.js';

/** A string or URL argument, mapped; anything else (Trusted Types objects…) untouched. */
export function mapArg(urls: PageUrls, value: unknown): unknown {
  if (typeof value === 'string') return urls.toGateway(value).url;
  if (value instanceof native.URL) {
    const r = urls.toGateway(value.href);
    return r.kind === 'mapped' ? r.url : value;
  }
  return value;
}

export function patchNetwork(win: Window & typeof globalThis, urls: PageUrls): void {
  patchArguments(win, 'fetch', (args) => {
    const input = args[0];
    if (input instanceof native.Request) {
      const r = urls.toGateway(input.url);
      // A Request carries method, headers, body and mode: a new one at the mapped URL keeps them.
      return r.kind === 'mapped' ? [new native.Request(r.url, input), ...args.slice(1)] : args;
    }
    return [mapArg(urls, input), ...args.slice(1)];
  });

  patchArguments(win.XMLHttpRequest.prototype, 'open', (args) => [args[0], mapArg(urls, args[1]), ...args.slice(2)]);

  const socketArgs = (args: unknown[]): unknown[] => {
    const u = args[0];
    if (typeof u !== 'string' && !(u instanceof native.URL)) return args;
    return [urls.toGatewaySocket(String(u)), ...args.slice(1)];
  };
  patchConstructor(win, 'WebSocket', socketArgs);
  for (const name of ['EventSource', 'Worker', 'SharedWorker']) {
    patchConstructor(win, name, (args) => [mapArg(urls, args[0]), ...args.slice(1)]);
  }

  if (typeof (win.navigator as { sendBeacon?: unknown }).sendBeacon === 'function') {
    patchArguments(win.Navigator.prototype, 'sendBeacon', (args) => [mapArg(urls, args[0]), ...args.slice(1)]);
  }

  const sw = (win as { ServiceWorkerContainer?: { prototype: object } }).ServiceWorkerContainer;
  if (sw) {
    patchMethod(
      sw.prototype,
      'register',
      () =>
        function () {
          return Promise.reject(new DOMException('Service workers are not available through Tandem', 'SecurityError'));
        },
    );
  }
}
