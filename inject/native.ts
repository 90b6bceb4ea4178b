/**
 * The browser methods Tandem relies on, saved when the bundle first runs: the hooks' tag is
 * synchronous and early in <head>, so this is before any script of the page can patch them
 * (hammerhead's native-methods, rrweb's untainted prototypes). Import from here, never reach for
 * the live globals in code that runs later.
 */

function accessor<T extends object>(proto: T, prop: string): PropertyDescriptor | undefined {
  let p: object | null = proto;
  while (p) {
    const d = Object.getOwnPropertyDescriptor(p, prop);
    if (d) return d;
    p = Object.getPrototypeOf(p) as object | null;
  }
  return undefined;
}

const w = window;

export const native = {
  fetch: w.fetch,
  Request: w.Request,
  URL: w.URL,
  xhrOpen: w.XMLHttpRequest.prototype.open,
  WebSocket: w.WebSocket,
  EventSource: w.EventSource as typeof EventSource | undefined,
  Worker: w.Worker as typeof Worker | undefined,
  SharedWorker: (w as { SharedWorker?: typeof SharedWorker }).SharedWorker,
  open: w.open,
  sendBeacon: w.navigator.sendBeacon as Navigator['sendBeacon'] | undefined,
  pushState: w.History.prototype.pushState,
  replaceState: w.History.prototype.replaceState,
  setAttribute: w.Element.prototype.setAttribute,
  setAttributeNS: w.Element.prototype.setAttributeNS,
  getAttribute: w.Element.prototype.getAttribute,
  addEventListener: w.EventTarget.prototype.addEventListener,
  removeEventListener: w.EventTarget.prototype.removeEventListener,
  functionToString: w.Function.prototype.toString,
  defineProperty: Object.defineProperty,
  getOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
  reflectApply: Reflect.apply,
  reflectConstruct: Reflect.construct,
  baseURI: accessor(w.Node.prototype, 'baseURI')?.get as ((this: Node) => string) | undefined,
  locationHref: (): string => w.location.href,
  accessor,
};
