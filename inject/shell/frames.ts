/**
 * The shell's view of the content frame tree: which page's hooks speak for which frame path
 * (`top`, `top/1`, …), a mirror of the session's compacted state (latest command per key, a
 * nav retiring the keys below its frame), and the rules that decide who navigates:
 *   - a remote nav loads the same gateway URL in the same frame, unless it is already there;
 *   - a page that reports a URL equal to its frame's logged nav is in step (nothing is sent),
 *     and receives the state of its frame;
 *   - a child frame's first page after its parent loaded follows the log, never leads it;
 *   - any other page load or same-document change is a local navigation and is sent.
 * Two navigations of one frame, or two edits of one field, that cross on the wire settle on the
 * hub's order: navs and inputs come back to their sender, and until ours is back, a remote one
 * of the same key is older than ours and is not applied (the hooks do the same for an edit the
 * shell had not seen yet, see ToHooks `ack`).
 */

import { OPS, type Op } from '../../protocol/commands.js';
import { frameOfKey, isBelow } from '../../protocol/keys.js';
import type { Command } from '../../protocol/messages.js';
import { HELLO, pagePath, type FromHooks, type Hello, type LocalCommand, type PageSetup, type ToHooks } from '../hooks/bridge.js';

const KEPT_PARAM = '__tandem_kept';
/** How long a sent command of ours outranks remote ones of its key while we wait for it. */
const PENDING_MS = 5000;
/**
 * Ops whose commands come back to their sender, so that two of them crossing on the wire for
 * one key (two navigations of a frame, two people typing in one field) settle on the hub's
 * order: everyone ends with the later one.
 */
const ORDERED: ReadonlySet<Op> = new Set<Op>(['nav', 'input']);

/**
 * Ops applied here only when they come back from the hub, in the session's order, like
 * everyone else's. A clear applied at the click would run ahead of strokes already on their way
 * to this side (logged before it, delivered after): they would stay here and nowhere else.
 */
const APPLIED_ON_RETURN: ReadonlySet<Op> = new Set<Op>(['ink-clear']);

interface Pending {
  count: number;
  until: number;
}

interface Entry {
  k: string;
  op: Op;
  d: unknown;
  by: string;
  seq: number;
}

interface FramePage {
  port: MessagePort;
  win: Window;
  url: string;
  /** The page's URL matches its frame's logged nav: commands for the frame go to it. */
  inStep: boolean;
  /** First page of the frame since its parent loaded. */
  initial: boolean;
  kept?: string;
  title: string;
  decided: boolean;
  /** The last page command number handled (see ToHooks `ack`). */
  ack: number;
}

export interface FrameHost {
  /** Is there a live, replayed session to share with? */
  live(): boolean;
  me(): string;
  /** May this participant drive (click, type, navigate)? */
  allowed(): boolean;
  setup(): PageSetup | null;
  /** Sends a local command to the hub. */
  send(k: string, op: Op, d: unknown, a?: 'others' | 'all'): void;
  /** A nav of the top frame was logged: it retired `top/viewport`, which the customer re-sends. */
  topNavLogged(): void;
  /** The content frame's top page changed (the customer's shell follows it in its own URL). */
  topChanged(url: string, kept: string | undefined): void;
  report(message: string): void;
}

/** A gateway URL without the kept-response marker, for comparing where two frames are. */
export function sameStep(a: string, b: string): boolean {
  return stripKept(a) === stripKept(b);
}

/** Whether loading `to` from `from` is a fragment navigation that keeps the document. */
function sameDocument(from: string, to: string): boolean {
  const h = to.indexOf('#');
  if (h < 0) return false;
  const f = from.indexOf('#');
  return (f < 0 ? from : from.slice(0, f)) === to.slice(0, h);
}

/** The kept response a URL loads (`?__tandem_kept=<id>`), if any. */
function keptOf(url: string): string | undefined {
  if (!url.includes(KEPT_PARAM)) return undefined;
  return new URL(url, 'http://x').searchParams.get(KEPT_PARAM) ?? undefined;
}

/**
 * Whether a page shows what a logged nav names: the same URL and the same kept POST response
 * (a POST answered at the form's own URL is still a new page).
 */
function shows(page: { url: string; kept?: string }, nav: { url: string; kept?: string }): boolean {
  return sameStep(page.url, nav.url) && (page.kept ?? '') === (nav.kept ?? '');
}

function stripKept(url: string): string {
  if (!url.includes(KEPT_PARAM)) return url;
  const u = new URL(url, 'http://x');
  u.searchParams.delete(KEPT_PARAM);
  return u.pathname + u.search + u.hash;
}

export function withKept(url: string, kept: string | undefined): string {
  if (!kept) return url;
  const u = new URL(url, 'http://x');
  u.searchParams.set(KEPT_PARAM, kept);
  return u.pathname + u.search + u.hash;
}

export class Frames {
  readonly state = new Map<string, Entry>();
  readonly pages = new Map<string, FramePage>();
  /** Keys with commands of ours on their way through the hub (ORDERED ops only). */
  readonly #pending = new Map<string, Pending>();
  #localSeq = 0;

  constructor(
    private readonly iframe: HTMLIFrameElement,
    private readonly host: FrameHost,
  ) {}

  /** The frame path of a window inside the content frame, or null. */
  pathOf(win: Window): string | null {
    const root = this.iframe.contentWindow;
    const parts: number[] = [];
    let w: Window = win;
    for (let depth = 0; depth < 20; depth++) {
      if (w === root) return ['top', ...parts].join('/');
      const p = w.parent;
      if (!p || p === w) return null;
      let idx = -1;
      for (let i = 0; i < p.frames.length; i++) {
        if (p.frames[i] === w) {
          idx = i;
          break;
        }
      }
      if (idx < 0) return null;
      parts.unshift(idx + 1);
      w = p;
    }
    return null;
  }

  windowOf(path: string): Window | null {
    let w = this.iframe.contentWindow;
    for (const seg of path.split('/').slice(1)) {
      if (!w) return null;
      w = w.frames[Number(seg) - 1] ?? null;
    }
    return w;
  }

  /** `message` events on the shell window: a page's hooks saying hello. */
  onWindowMessage(e: MessageEvent): void {
    const h = e.data as Hello;
    if (e.origin !== location.origin || !h || h.tandem !== HELLO || !e.ports[0] || !e.source) return;
    const win = e.source as Window;
    const path = this.pathOf(win);
    if (path === null || typeof h.url !== 'string') return;
    for (const p of [...this.pages.keys()]) if (isBelow(p, path)) this.pages.delete(p);
    const prev = this.pages.get(path);
    const page: FramePage = {
      port: e.ports[0],
      win,
      url: h.url,
      inStep: false,
      initial: path !== 'top' && (!prev || prev.win !== win),
      kept: typeof h.kept === 'string' && h.kept ? h.kept : keptOf(h.url),
      title: typeof h.title === 'string' ? h.title : '',
      decided: false,
      ack: 0,
    };
    this.pages.set(path, page);
    page.port.onmessage = (m) => {
      try {
        this.#fromHooks(path, page, m.data as FromHooks);
      } catch (err) {
        this.host.report(String(err));
      }
    };
    if (path === 'top') this.host.topChanged(page.url, page.kept);
    this.#decide(path, page);
  }

  /** Decides what a newly reported page means, once the session's replay is in. */
  #decide(path: string, page: FramePage): void {
    const setup = this.host.setup();
    if (setup) this.#post(page, { t: 'setup', ...setup });
    if (!this.host.live()) return;
    page.decided = true;
    const logged = this.state.get(path);
    if (logged && shows(page, logged.d as { url: string })) return this.#inStep(path, page);
    if (page.initial) {
      if (logged) return this.#load(path, logged.d as { url: string; kept?: string });
      return this.#inStep(path, page);
    }
    this.#localNav(path, page);
  }

  #inStep(path: string, page: FramePage): void {
    page.inStep = true;
    const me = this.host.me();
    const mine = (e: Entry): boolean => e.by === me && (e.op === 'pointer' || e.op === 'focus');
    const entries = [...this.state.values()].filter((e) => e.op !== 'nav' && e.op !== 'resize' && frameOfKey(e.k) === path && !mine(e));
    entries.sort((a, b) => a.seq - b.seq);
    for (const e of entries) this.#deliver(path, page, e);
  }

  #localNav(path: string, page: FramePage): void {
    if (!this.host.allowed()) {
      const logged = this.state.get(path);
      if (logged) this.#load(path, logged.d as { url: string; kept?: string });
      return;
    }
    const d: { url: string; kept?: string; title?: string } = { url: stripKept(page.url) };
    if (page.kept) d.kept = page.kept;
    if (page.title) d.title = page.title.slice(0, 1024);
    this.#local(path, 'nav', d);
    page.inStep = true;
  }

  /** Sends a local command and records it in the mirror. */
  #local(k: string, op: Op, d: unknown): void {
    const ordered = ORDERED.has(op);
    if (ordered) {
      const p = this.#pending.get(k);
      const live = p && p.until > Date.now();
      this.#pending.set(k, { count: live ? p.count + 1 : 1, until: Date.now() + PENDING_MS });
    }
    this.host.send(k, op, d, ordered || APPLIED_ON_RETURN.has(op) ? 'all' : 'others');
    this.record({ seq: Number.MAX_SAFE_INTEGER / 2 + ++this.#localSeq, k, op, d, by: this.host.me(), t: 0 });
    if (op === 'nav' && k === 'top') this.host.topNavLogged();
  }

  record(cmd: Command): void {
    const spec = OPS[cmd.op];
    if (spec.retiresBelow) for (const k of [...this.state.keys()]) if (isBelow(k, cmd.k)) this.state.delete(k);
    if (spec.compact) this.state.set(cmd.k, { k: cmd.k, op: cmd.op, d: cmd.d, by: cmd.by, seq: cmd.seq });
  }

  /** One of our own commands, back from the hub with its place in the session's order. */
  own(cmd: Command): void {
    if (APPLIED_ON_RETURN.has(cmd.op)) {
      const path = cmd.k.slice(0, cmd.k.lastIndexOf('/'));
      const page = this.pages.get(path);
      if (page?.inStep) this.#deliver(path, page, cmd);
    }
    const p = this.#pending.get(cmd.k);
    if (p && --p.count <= 0) this.#pending.delete(cmd.k);
    const e = this.state.get(cmd.k);
    if (e && e.op === cmd.op && e.by === cmd.by && e.seq > cmd.seq) e.seq = cmd.seq;
  }

  /** A command from the hub. */
  remote(cmd: Command): void {
    const p = this.#pending.get(cmd.k);
    if (p && p.until > Date.now()) {
      // Ours was sent before this one reached us, so the hub logged ours after it: ours stands.
      return;
    }
    this.record(cmd);
    if (cmd.op === 'nav') {
      if (cmd.k === 'top') this.host.topNavLogged();
      if (this.host.live()) this.#load(cmd.k, cmd.d as { url: string; kept?: string });
      // A blank frame (an operator joining) starts loading while the rest of the replay arrives.
      else if (cmd.k === 'top' && !this.pages.has('top') && this.#blank()) this.#load('top', cmd.d as { url: string; kept?: string });
      return;
    }
    const path = frameOfKey(cmd.k);
    if (path === null) return;
    const page = this.pages.get(path);
    if (page?.inStep && this.host.live()) this.#deliver(path, page, cmd);
  }

  #blank(): boolean {
    try {
      return this.iframe.contentWindow?.location.href === 'about:blank';
    } catch {
      return false;
    }
  }

  /** Loads a logged nav in its frame, unless the frame already shows it. */
  #load(path: string, d: { url: string; kept?: string }): void {
    const page = this.pages.get(path);
    if (page && shows(page, d)) {
      if (!page.inStep) this.#inStep(path, page);
      return;
    }
    const win = this.windowOf(path);
    if (!win) return;
    if (page) {
      let actual: string | null = null;
      try {
        actual = pagePath(win.location.href);
      } catch {
        /* not readable: go ahead */
      }
      // The page moved on its own and its report is on the way: that nav reaches the hub after
      // this one, so it wins everywhere; loading this one here would only fight it.
      if (actual !== null && !sameStep(actual, page.url)) return;
    }
    const url = withKept(d.url, d.kept);
    if (page && !d.kept && !page.kept && sameDocument(page.url, d.url)) {
      // Only the fragment changes: the page stays, and its hashchange report will match.
      page.url = d.url;
      if (!page.inStep) this.#inStep(path, page);
      try {
        win.location.replace(url);
      } catch (err) {
        this.host.report(String(err));
      }
      return;
    }
    for (const p of [...this.pages.keys()]) if (p === path || isBelow(p, path)) this.pages.delete(p);
    // The page that answers will report this URL and be found in step.
    try {
      // A frame still on its first about:blank may have that load pending, which would win
      // over location.replace: the src attribute is what it ends on.
      if (path === 'top' && !page && win.location.href === 'about:blank') this.iframe.src = url;
      else win.location.replace(url);
    } catch (err) {
      this.host.report(String(err));
    }
  }

  #deliver(path: string, page: FramePage, e: { k: string; op: Op; d: unknown; by: string }): void {
    const rel = e.k.slice(path.length + 1);
    if (e.op === 'ink-clear' && e.k === path + '/ink') return this.#post(page, { t: 'cmd', k: 'ink', op: e.op, d: e.d, by: e.by });
    if (!rel) return;
    this.#post(page, { t: 'cmd', k: rel, op: e.op, d: e.d, by: e.by, ack: page.ack });
  }

  #post(page: FramePage, m: ToHooks): void {
    try {
      page.port.postMessage(m);
    } catch {
      /* the page is gone */
    }
  }

  #fromHooks(path: string, page: FramePage, m: FromHooks): void {
    if (!m || typeof m !== 'object') return;
    if (this.pages.get(path) !== page) return;
    switch (m.t) {
      case 'nav':
        if (typeof m.url !== 'string') return;
        page.url = m.url;
        page.kept = undefined;
        page.title = typeof m.title === 'string' ? m.title : '';
        page.initial = false;
        if (path === 'top') this.host.topChanged(page.url, undefined);
        if (!this.host.live()) return;
        {
          const logged = this.state.get(path);
          if (logged && shows(page, logged.d as { url: string })) return;
        }
        for (const p of [...this.pages.keys()]) if (isBelow(p, path)) this.pages.delete(p);
        this.#localNav(path, page);
        return;
      case 'cmd':
        if (typeof m.n === 'number') page.ack = m.n;
        return this.#fromPage(path, page, m.cmd);
      case 'state':
        if (Array.isArray(m.cmds)) for (const c of m.cmds) this.#fromPage(path, page, c);
        return;
      case 'error':
        this.host.report(`${path}: ${String(m.message)}`);
    }
  }

  #fromPage(path: string, page: FramePage, c: LocalCommand): void {
    if (!c || typeof c.k !== 'string' || !this.host.live() || !page.inStep) return;
    const spec = OPS[c.op];
    if (!spec || (spec.needsControl && !this.host.allowed()) || spec.customerOnly) return;
    this.#local(c.k === 'ink' && c.op === 'ink-clear' ? `${path}/ink` : `${path}/${c.k}`, c.op, c.d);
  }

  /** Every page again (a session started or its replay finished): decide, set up. */
  resync(): void {
    const top = this.state.get('top');
    const topPage = this.pages.get('top');
    if (top && this.host.live() && (!topPage || !shows(topPage, top.d as { url: string }))) {
      this.#load('top', top.d as { url: string; kept?: string });
    }
    const paths = [...this.pages.keys()].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    for (const p of paths) {
      const page = this.pages.get(p);
      if (page) this.#decide(p, page);
    }
  }

  /** The customer's state send when a call starts: every frame's nav, then each page's state. */
  sendFullState(): void {
    const paths = [...this.pages.keys()].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    for (const p of paths) {
      const page = this.pages.get(p)!;
      const d: { url: string; kept?: string; title?: string } = { url: stripKept(page.url) };
      if (page.kept) d.kept = page.kept;
      if (page.title) d.title = page.title.slice(0, 1024);
      this.#local(p, 'nav', d);
      page.inStep = true;
      page.decided = true;
    }
    for (const p of paths) this.#post(this.pages.get(p)!, { t: 'collect' });
  }

  broadcast(m: ToHooks): void {
    for (const page of this.pages.values()) this.#post(page, m);
  }

  /** Clears the drawing in every frame, everywhere, here included, in the session's order. */
  clearInk(): void {
    if (!this.host.live()) return;
    for (const [path, page] of this.pages) if (page.inStep) this.#local(`${path}/ink`, 'ink-clear', {});
  }

  forget(): void {
    this.state.clear();
    this.#pending.clear();
    for (const page of this.pages.values()) {
      page.inStep = false;
      page.decided = false;
    }
  }
}
