/**
 * The sharing hooks of the customer's page (the content frame's top document): say hello to the
 * shell with a private MessagePort, record the document while a session is live (recorder.ts),
 * carry out operators' actions (actions.ts), report same-document navigations, the title and
 * icon, and draw the shared pointers and ink (overlay.ts). Child frames have no hooks of their
 * own: the top page's recorder covers every same-origin frame below it.
 */

import { HELLO, pagePath, type FromHooks, type Hello, type RecordedEvent, type ToHooks } from './bridge.js';
import { makeCtx, native } from './context.js';
import { Mask } from './mask.js';
import { Overlay } from './overlay.js';
import { Recorder } from './recorder.js';
import { Actions } from './actions.js';

export interface HookOptions {
  mask: string;
}

export function installSharing(win: Window, opts: HookOptions): void {
  const shell = win.top;
  // Only the content frame's own page: the shell is its parent.
  if (!shell || shell === win || win.parent !== shell) return;
  const doc = win.document;
  const channel = new MessageChannel();
  const port = channel.port1;

  const post = (m: FromHooks): void => {
    try {
      port.postMessage(m);
    } catch (err) {
      // An event that cannot be cloned (a page's exotic value): say so rather than lose the page.
      if (m.t !== 'error') post({ t: 'error', message: `could not post ${m.t}: ${String(err).slice(0, 200)}` });
    }
  };

  const ctx = makeCtx(
    win,
    doc,
    new Mask(opts.mask),
    null,
    (k, op, d) => post({ t: 'cmd', cmd: { k, op, d } }),
    (message) => post({ t: 'error', message }),
  );

  const recorder = new Recorder(win, ctx.mask, {
    snapshot: (sid, meta, json) => post({ t: 'snapshot', sid, meta: meta as unknown as RecordedEvent | null, json }),
    changes: (sid, json) => post({ t: 'changes', sid, json }),
    report: (err) => ctx.report(err),
  });
  const actions = new Actions(recorder, (err) => ctx.report(err));
  const overlay = new Overlay(ctx);

  // ---- where the page is ------------------------------------------------------------------------

  let lastPath = pagePath(win.location.href);
  const reportNav = (): void => {
    const p = pagePath(win.location.href);
    if (p === lastPath) return;
    lastPath = p;
    post({ t: 'nav', url: p, title: doc.title });
    // The shell's nav retires this frame's recording in the log: a new snapshot follows it.
    if (recorder.running) recorder.snapshotNow();
  };
  for (const m of ['pushState', 'replaceState'] as const) {
    const orig = win.history[m];
    win.history[m] = function (this: History, ...args: Parameters<History['pushState']>) {
      const r = orig.apply(this, args);
      try {
        reportNav();
      } catch (err) {
        ctx.report(err);
      }
      return r;
    } as History['pushState'];
  }
  ctx.listen(win, 'popstate', reportNav);
  ctx.listen(win, 'hashchange', reportNav);

  let lastMeta = '';
  const reportMeta = (): void => {
    const icon = doc.querySelector<HTMLLinkElement>('link[rel~="icon" i]')?.href ?? '';
    const key = doc.title + '\n' + icon;
    if (key === lastMeta) return;
    lastMeta = key;
    post({ t: 'meta', title: doc.title, icon });
  };
  ctx.listen(doc, 'DOMContentLoaded', () => {
    reportMeta();
    const head = doc.head;
    if (head)
      new MutationObserver(() => reportMeta()).observe(head, { childList: true, subtree: true, characterData: true, attributes: true });
  });

  // A GET form puts its fields in the next page's address: masked ones must not travel there.
  ctx.listen(
    win,
    'submit',
    (e) => {
      const form = e.target as HTMLFormElement | null;
      if (!form || form.localName !== 'form' || (form.method || 'get').toLowerCase() !== 'get') return;
      const names = [...form.elements]
        .filter((f) => (f as HTMLInputElement).name && recorder.isMasked(f))
        .map((f) => (f as HTMLInputElement).name);
      if (names.length) post({ t: 'masked-params', names });
    },
    true,
  );

  // Operators see where the customer's focus is, and type where it is (after a Tab, say).
  let lastFocus = '';
  const reportFocus = (): void => {
    if (!recorder.running || !recorder.sid) return;
    let el: Element | null = doc.activeElement;
    // Focus inside a same-origin child frame: the element there, which the recording names too.
    while (el && el.localName === 'iframe') {
      try {
        el = (el as HTMLIFrameElement).contentDocument?.activeElement ?? null;
      } catch {
        break;
      }
    }
    const id = el && el !== doc.body ? recorder.id(el) : -1;
    const key = `${recorder.sid}:${id}`;
    if (key === lastFocus) return;
    lastFocus = key;
    post({ t: 'focus', sid: recorder.sid, id: id >= 0 ? id : null });
  };
  ctx.listen(win, 'focusin', () => native.setTimeout(reportFocus, 0), true);
  ctx.listen(win, 'focusout', () => native.setTimeout(reportFocus, 0), true);

  // ---- the shell's messages ---------------------------------------------------------------------

  const run = (m: ToHooks): void => {
    switch (m.t) {
      case 'setup':
        ctx.setup = m;
        overlay.setPeople(m.participants);
        overlay.setDrawing(m.drawing);
        recorder.start();
        native.setTimeout(reportFocus, 0);
        break;
      case 'stop':
        ctx.setup = null;
        recorder.stop();
        overlay.setPeople([]);
        overlay.clearInk();
        break;
      case 'snapshot':
        if (recorder.running) recorder.snapshotNow();
        lastFocus = '';
        native.setTimeout(reportFocus, 0);
        break;
      case 'presence':
        if (ctx.setup) ctx.setup.participants = m.participants;
        overlay.setPeople(m.participants);
        break;
      case 'drawing':
        overlay.setDrawing(m.on);
        break;
      case 'act':
        actions.run(m.act);
        // The operator's mirror moved its own focus with the press (to a toolbar button, say);
        // where the page put it after the action is the truth, so it is told again.
        native.setTimeout(() => {
          lastFocus = '';
          reportFocus();
        }, 0);
        break;
      case 'cmd':
        applyCommand(m);
        break;
    }
  };

  const applyCommand = (m: Extract<ToHooks, { t: 'cmd' }>): void => {
    switch (m.op) {
      case 'pointer':
        return overlay.applyPointer(m.by, m.d as { x: number; y: number });
      case 'ink':
        return overlay.applyInk(m.k, m.d as { points: number[][]; color: string });
      case 'ink-clear':
        return overlay.clearInk();
    }
  };

  native.add.call(port, 'message', (e: Event) => {
    const m = (e as MessageEvent).data as ToHooks;
    if (!m || typeof m !== 'object') return;
    try {
      run(m);
    } catch (err) {
      ctx.report(err);
    }
  });
  port.start();

  const hello: Hello = { tandem: HELLO, url: lastPath, title: doc.title };
  shell.postMessage(hello, win.location.origin, [channel.port2]);
}
