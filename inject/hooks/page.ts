/**
 * The sharing hooks of one page: says hello to the shell with a private MessagePort, reports
 * navigation, and routes the shell's remote commands to the modules that apply them.
 * Remote commands wait for DOMContentLoaded; local detection starts at once.
 */

import { splitKey } from '../../protocol/keys.js';
import type { Op } from '../../protocol/commands.js';
import { HELLO, pagePath, type FromHooks, type Hello, type LocalCommand, type ToHooks } from './bridge.js';
import { native, type Ctx } from './context.js';
import { Mask } from './mask.js';
import { Forms } from './forms.js';
import { Scroll } from './scroll.js';
import { Clicks } from './clicks.js';
import { Overlay } from './overlay.js';

export interface HookOptions {
  mask: string;
  kept?: string;
}

/** Events an operator without control may not send into the page. */
const KEY_EVENTS = new Set(['keydown', 'keypress', 'keyup', 'beforeinput', 'paste', 'drop']);
const DRIVE_EVENTS = [...KEY_EVENTS, 'click', 'dblclick', 'contextmenu', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'submit'];

export function installSharing(win: Window, opts: HookOptions): void {
  const shell = win.top;
  if (!shell || shell === win) return;
  const doc = win.document;
  const channel = new MessageChannel();
  const port = channel.port1;
  const queue: ToHooks[] = [];
  let domReady = doc.readyState !== 'loading';
  /** Commands sent to the shell, and per key the number of the last input sent. */
  let sent = 0;
  const lastSent = new Map<string, number>();

  const post = (m: FromHooks): void => {
    try {
      port.postMessage(m);
    } catch {
      /* a closed port: the page is going away */
    }
  };

  const ctx: Ctx = {
    win,
    doc,
    mask: new Mask(opts.mask),
    setup: null,
    applying: false,
    send(k: string, op: Op, d: unknown) {
      if (ctx.applying || !ctx.setup) return;
      const n = ++sent;
      if (op === 'input') lastSent.set(k, n);
      post({ t: 'cmd', cmd: { k, op, d }, n });
    },
    listen(target, type, fn, capture = false) {
      native.add.call(
        target,
        type,
        (e: Event) => {
          try {
            fn(e);
          } catch (err) {
            ctx.report(err);
          }
        },
        capture,
      );
    },
    report(err) {
      post({ t: 'error', message: String((err as Error)?.stack ?? err).slice(0, 500) });
    },
    apply<T>(fn: () => T): T {
      const was = ctx.applying;
      ctx.applying = true;
      try {
        return fn();
      } finally {
        ctx.applying = was;
      }
    },
  };

  // Operators without control point and draw; nothing they press reaches the page. Nobody
  // types into a masked field on an operator's side.
  for (const type of DRIVE_EVENTS) {
    const keyish = KEY_EVENTS.has(type);
    ctx.listen(
      win,
      type,
      (e) => {
        const s = ctx.setup;
        if (!e.isTrusted || !s || s.role !== 'operator') return;
        const t = e.target as Element | null;
        if (t?.closest?.('[data-tandem]')) return;
        const masked = keyish && !!t?.closest?.('[data-tandem-masked]');
        if (s.allowed && !masked) return;
        e.preventDefault();
        e.stopImmediatePropagation();
      },
      true,
    );
  }

  const forms = new Forms(ctx);
  const scroll = new Scroll(ctx);
  const clicks = new Clicks(ctx);
  const overlay = new Overlay(ctx);

  let lastPath = pagePath(win.location.href);
  const reportNav = (): void => {
    const p = pagePath(win.location.href);
    if (p === lastPath) return;
    lastPath = p;
    post({ t: 'nav', url: p, title: doc.title });
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

  const markMasked = (): void => {
    if (ctx.setup?.role === 'operator') ctx.mask.markForOperator(doc);
  };

  const run = (m: ToHooks): void => {
    switch (m.t) {
      case 'setup':
        ctx.setup = m;
        overlay.setPeople(m.participants);
        overlay.setDrawing(m.drawing);
        markMasked();
        break;
      case 'presence':
        if (ctx.setup) ctx.setup.participants = m.participants;
        overlay.setPeople(m.participants);
        break;
      case 'allowed':
        if (ctx.setup) ctx.setup.allowed = m.allowed;
        break;
      case 'drawing':
        overlay.setDrawing(m.on);
        break;
      case 'collect':
        post({ t: 'state', cmds: [...scroll.collect(), ...forms.collect()] satisfies LocalCommand[] });
        break;
      case 'cmd':
        applyCommand(m);
        break;
    }
  };

  const applyCommand = (m: Extract<ToHooks, { t: 'cmd' }>): void => {
    const part = splitKey(m.k)[0];
    const d = m.d as never;
    switch (m.op) {
      case 'input':
        // A local edit that the shell had not seen yet when it sent this one reaches the hub
        // after it, so it wins everywhere: keep it here too.
        if ((lastSent.get(m.k) ?? 0) > (m.ack ?? Infinity)) return;
        return forms.applyInput(m.k, (m.d as { value: unknown }).value);
      case 'scroll':
        return scroll.apply(m.k, d);
      case 'click':
        return clicks.apply(d);
      case 'pointer':
        return overlay.applyPointer(m.by, d);
      case 'ink':
        return overlay.applyInk(m.k, d);
      case 'ink-clear':
        return overlay.clearInk();
      case 'focus': {
        const who = ctx.setup?.participants.find((p) => p.id === m.by);
        return forms.applyFocus(m.by, d, who?.color ?? '#2563eb', who?.name ?? '');
      }
      default:
        void part;
    }
  };

  native.add.call(port, 'message', (e: Event) => {
    const m = (e as MessageEvent).data as ToHooks;
    if (!m || typeof m !== 'object') return;
    try {
      if (m.t === 'cmd' && !domReady) queue.push(m);
      else run(m);
    } catch (err) {
      ctx.report(err);
    }
  });
  port.start();

  ctx.listen(doc, 'DOMContentLoaded', () => {
    domReady = true;
    markMasked();
    for (const m of queue.splice(0)) {
      try {
        run(m);
      } catch (err) {
        ctx.report(err);
      }
    }
    if (ctx.setup?.role === 'operator') {
      // Fields added later (a step of a wizard, a modal) are masked too; one pass a task.
      let queued = false;
      new MutationObserver(() => {
        if (queued) return;
        queued = true;
        native.setTimeout(() => {
          queued = false;
          try {
            markMasked();
          } catch (err) {
            ctx.report(err);
          }
        }, 0);
      }).observe(doc.documentElement, { childList: true, subtree: true });
    }
  });

  const hello: Hello = { tandem: HELLO, url: lastPath, title: doc.title };
  if (opts.kept) hello.kept = opts.kept;
  shell.postMessage(hello, win.location.origin, [channel.port2]);
}
