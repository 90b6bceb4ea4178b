/**
 * What bench/sync puts in the browsers to time the mirror. Every time is
 * `performance.timeOrigin + performance.now()`: one machine, one browser, one clock for every
 * page (the bench prints the pages' skew against each other's Date.now()).
 *
 *   shellProbe      an init script for the customer's and the operators' shells (top frame
 *                   only). It stamps every hub frame sent and received, for the legs of each
 *                   figure. In an operator's shell, once the shell has handled a hub message
 *                   (and rrweb's Replayer has applied its events, in the microtask it queues) the
 *                   pending watches are checked against the mirror's document, and a watch met is
 *                   stamped; the next task and a requestAnimationFrame loop check too.
 *                   It also stamps the operator's own clicks and keys in the mirror (capture
 *                   listeners on the mirror's window, added from the shell, since no script runs
 *                   in the mirror).
 *   customerProbe   run in the customer's content frame: stamps keydowns, clicks on `#count` and
 *                   input on `#echo` (the page's own events, as a person's or an operator's
 *                   action arrives there).
 */

export type WatchKind = 'value' | 'text' | 'scrollY' | 'scrollTop';

export interface Watch {
  name: string;
  kind: WatchKind;
  sel: string;
  want: string | number;
}

declare global {
  interface Window {
    __bench?: {
      stamps: Record<string, number>;
      watch(w: Watch): void;
      inputs: [string, number][];
      /** When the shell sent a hub frame, and when one arrived (before the shell handled it), with its first op. */
      sends: [number, string][];
      recvs: [number, string][];
      messages: number;
    };
  }
}

/** Self-contained (serialized into the page by addInitScript). */
export function shellProbe(): void {
  if (window !== window.top) return;
  const now = (): number => performance.timeOrigin + performance.now();
  const watches: Watch[] = [];
  const stamps: Record<string, number> = {};
  const inputs: [string, number][] = [];
  // document.open() (rrweb's rebuild) drops a document's listeners and makes a new root.
  let listenedRoot: Element | null = null;
  const probe = {
    stamps,
    inputs,
    sends: [] as [number, string][],
    recvs: [] as [number, string][],
    messages: 0,
    watch: (w: Watch) => (watches.push(w), check()),
  };
  window.__bench = probe;

  const onClick = (): number => inputs.push(['click', now()]);
  const onKey = (): number => inputs.push(['key', now()]);

  function mirror(): HTMLIFrameElement | null {
    return document.querySelector('iframe[data-tandem="content"]');
  }

  function met(w: Watch, doc: Document, win: Window): boolean {
    if (w.kind === 'scrollY') return Math.abs(win.scrollY - Number(w.want)) <= 1;
    const el = doc.querySelector(w.sel);
    if (!el) return false;
    if (w.kind === 'value') return (el as HTMLInputElement).value === w.want;
    if (w.kind === 'text') return el.textContent === w.want;
    return Math.abs(el.scrollTop - Number(w.want)) <= 1;
  }

  function check(): void {
    const f = mirror();
    const doc = f?.contentDocument;
    const win = f?.contentWindow;
    if (!doc || !win) return;
    if (doc.documentElement && doc.documentElement !== listenedRoot) {
      // On the window, capturing: before the shell's own listeners on the document send the act.
      listenedRoot = doc.documentElement;
      // The same functions each time: a listener still there is not added twice.
      win.addEventListener('click', onClick, true);
      win.addEventListener('keydown', onKey, true);
    }
    if (!watches.length) return;
    const t = now();
    for (let i = watches.length - 1; i >= 0; i--) {
      if (!met(watches[i], doc, win)) continue;
      stamps[watches[i].name] = t;
      watches.splice(i, 1);
    }
  }

  const opOf = (data: unknown): string =>
    typeof data === 'string' ? ((/"op":"([a-z-]+)"/.exec(data) ?? /"type":"([a-z-]+)"/.exec(data))?.[1] ?? '') : '';
  const tick = new MessageChannel();
  tick.port1.onmessage = check;
  const Native = window.WebSocket;
  class Probed extends Native {
    override set onmessage(fn: ((e: MessageEvent) => unknown) | null) {
      super.onmessage = fn
        ? (e: MessageEvent) => {
            probe.recvs.push([now(), opOf(e.data)]);
            fn.call(this, e);
            probe.messages++;
            // The Replayer applies an event in a microtask it queues in addEvent: check after it,
            // and once more in the next task.
            queueMicrotask(() => queueMicrotask(check));
            tick.port2.postMessage(0);
          }
        : null;
    }
    override get onmessage(): ((e: MessageEvent) => unknown) | null {
      return super.onmessage;
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      probe.sends.push([now(), opOf(data)]);
      super.send(data);
    }
  }
  window.WebSocket = Probed;
  const frame = (): void => {
    check();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** Run in the customer's content frame (scripts run there): stamps the page's own events. */
export function customerProbe(): void {
  const w = window as unknown as { __benchC?: { keys: number[]; clicks: number[]; echo: number[] } };
  if (w.__benchC) return;
  const now = (): number => performance.timeOrigin + performance.now();
  const s = { keys: [] as number[], clicks: [] as number[], echo: [] as number[] };
  w.__benchC = s;
  addEventListener('keydown', () => s.keys.push(now()), true);
  addEventListener('click', (e) => (e.target as Element | null)?.id === 'count' && s.clicks.push(now()), true);
  addEventListener('input', (e) => (e.target as Element | null)?.id === 'echo' && s.echo.push(now()), true);
}
