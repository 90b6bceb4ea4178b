/**
 * The customer's side of the mirror: the shell's link to the hooks of the page in the content
 * frame. It forwards the page's recording to the hub (snapshots and changes, in chunks that fit
 * a hub frame), its navigations, and the operators' actions back into the page once they pass
 * the control rules here too (the hub checked them first). Masked fields that a GET form put in
 * the page's address are taken out of every address sent or shown.
 */

import type { Op } from '../../protocol/commands.js';
import type { Command } from '../../protocol/messages.js';
import { chunksOf, isGatewayPath, type Act } from '../../protocol/mirror.js';
import { HELLO, pagePath, type FromHooks, type Hello, type PageSetup, type RecordedEvent, type ToHooks } from '../hooks/bridge.js';

const EVENT_META = 4;

export interface PageHost {
  /** Is there a live, replayed session to share with? */
  live(): boolean;
  setup(): PageSetup | null;
  send(k: string, op: Op, d: unknown, a?: 'others' | 'all'): void;
  /** May participant `by` drive the page (an operator under TANDEM_OPERATOR_CONTROL)? */
  mayAct(by: string): boolean;
  /** The page's address (masked values removed) and its title and icon, for the toolbar. */
  address(url: string): void;
  meta(title: string, icon: string): void;
  /** A top-level nav was sent: it retired `top/viewport`, which the shell re-sends. */
  navSent(): void;
  report(message: string): void;
}

export class CustomerPage {
  #port: MessagePort | null = null;
  #url = '';
  #title = '';
  #recording = false;
  /** Changes sent for the current snapshot (their keys number them). */
  #n = 0;
  readonly #maskedParams = new Set<string>();

  /** The document whose hooks said hello (the port speaks for it). */
  #helloDoc: Document | null = null;

  constructor(
    private readonly iframe: HTMLIFrameElement,
    private readonly host: PageHost,
  ) {
    iframe.addEventListener('load', () => this.#loaded());
  }

  get url(): string {
    return this.#url;
  }

  onWindowMessage(e: MessageEvent): void {
    const h = e.data as Hello;
    if (e.origin !== location.origin || !h || h.tandem !== HELLO || !e.ports[0]) return;
    // Only the content frame's own page speaks for it (child frames are in its recording).
    if (e.source !== this.iframe.contentWindow || typeof h.url !== 'string') return;
    this.#port?.close();
    const port = e.ports[0];
    this.#port = port;
    this.#helloDoc = this.iframe.contentDocument;
    this.#recording = false;
    port.onmessage = (m) => {
      try {
        this.#fromHooks(m.data as FromHooks);
      } catch (err) {
        this.host.report(String(err));
      }
    };
    this.#title = typeof h.title === 'string' ? h.title : '';
    this.#moved(h.url);
    if (this.host.live()) this.start();
  }

  /**
   * The content frame finished loading a document. One without hooks (a PDF, an image, a page
   * whose head failed) never says hello: its address is read here, so every side's address bar
   * still follows the customer, and the previous page's port is let go.
   */
  #loaded(): void {
    let href: string;
    try {
      const doc = this.iframe.contentDocument;
      if (!doc || doc === this.#helloDoc) return;
      href = this.iframe.contentWindow!.location.href;
    } catch {
      return; // not the gateway's origin: nothing to read, nothing to say
    }
    if (!href.startsWith(location.origin + '/')) return;
    this.#port?.close();
    this.#port = null;
    this.#helloDoc = null;
    this.#recording = false;
    const path = pagePath(href);
    if (this.#unmask(path) === this.#url) return;
    this.#title = this.iframe.contentDocument?.title ?? '';
    this.#moved(path);
    if (this.host.live()) this.#sendNav();
  }

  /** The session is live (or resumed): say where the page is and share it from a fresh snapshot. */
  start(): void {
    if (!this.#port || !this.host.live()) return;
    this.#sendNav();
    const setup = this.host.setup();
    if (!setup) return;
    if (this.#recording) this.post({ t: 'snapshot' });
    else this.post({ t: 'setup', ...setup });
    this.#recording = true;
  }

  stop(): void {
    this.#recording = false;
    this.post({ t: 'stop' });
  }

  post(m: ToHooks): void {
    try {
      this.#port?.postMessage(m);
    } catch {
      /* a closed port: the page is going away */
    }
  }

  /** A command of another participant for the page. */
  deliver(cmd: Command): void {
    const rel = cmd.k.startsWith('top/') ? cmd.k.slice(4) : cmd.k === 'top/ink' ? 'ink' : '';
    switch (cmd.op) {
      case 'act':
        return this.#act(cmd.d as Act, cmd.by);
      case 'pointer':
      case 'ink':
      case 'ink-clear':
        if (rel || cmd.op === 'ink-clear') this.post({ t: 'cmd', k: rel, op: cmd.op, d: cmd.d, by: cmd.by });
        return;
    }
  }

  #act(act: Act, by: string): void {
    if (!this.host.mayAct(by)) return;
    if (act.type === 'goto') {
      if (isGatewayPath(act.url)) this.navigate(act.url);
      return;
    }
    this.post({ t: 'act', act, by });
  }

  /** Loads a gateway path in the content frame (the address bar, an operator's goto). */
  navigate(url: string): void {
    if (!isGatewayPath(url)) return;
    try {
      this.iframe.contentWindow?.location.assign(url);
    } catch {
      this.iframe.src = url;
    }
  }

  #fromHooks(m: FromHooks): void {
    switch (m.t) {
      case 'nav':
        this.#title = m.title;
        this.#moved(m.url);
        if (this.host.live()) this.#sendNav();
        return;
      case 'meta':
        this.#title = m.title;
        this.host.meta(m.title, m.icon);
        return;
      case 'focus':
        if (this.host.live()) this.host.send('top/focus', 'focus', { el: m.id === null ? null : `${m.sid}:${m.id}` });
        return;
      case 'masked-params':
        for (const n of m.names) if (typeof n === 'string') this.#maskedParams.add(n);
        return;
      case 'snapshot':
        this.#n = 0;
        return this.#sendSnapshot(m.sid, m.meta, m.json);
      case 'changes':
        if (this.host.live() && typeof m.json === 'string') {
          for (const c of chunksOf(m.sid, m.json)) this.host.send(`top/dom/${m.sid}/${this.#n++}`, 'dom', c);
        }
        return;
      case 'cmd':
        if (this.host.live()) this.host.send(`top/${m.cmd.k}`, m.cmd.op, m.cmd.d, m.cmd.op === 'ink-clear' ? 'all' : 'others');
        return;
      case 'error':
        this.host.report(m.message);
        return;
    }
  }

  #moved(url: string): void {
    this.#url = this.#unmask(url);
    this.host.address(this.#url);
  }

  #sendNav(): void {
    this.host.send('top', 'nav', { url: this.#url, title: this.#title.slice(0, 1024) });
    this.host.navSent();
  }

  /** The page's address in the Meta event loses masked fields' values, as in every address bar. */
  #sendSnapshot(sid: string, meta: RecordedEvent | null, json: string): void {
    if (!this.host.live() || typeof json !== 'string' || !json.startsWith('[')) return;
    let events = json;
    if (meta && typeof meta === 'object' && meta.type === EVENT_META) {
      const d = meta.data as { href?: string };
      if (typeof d.href === 'string') d.href = this.#unmaskAbsolute(d.href);
      events = `[${JSON.stringify(meta)}${json === '[]' ? ']' : ',' + json.slice(1)}`;
    }
    for (const c of chunksOf(sid, events)) this.host.send(c.i === 0 ? 'top/dom' : `top/dom/${sid}/s${c.i}`, 'snapshot', c);
  }

  /** A gateway path with masked fields' values taken out of its query. */
  #unmask(path: string): string {
    if (this.#maskedParams.size === 0 || !path.includes('?')) return path;
    const u = new URL(path, location.origin);
    for (const n of this.#maskedParams) if (u.searchParams.has(n)) u.searchParams.set(n, '');
    return pagePath(u.href);
  }

  #unmaskAbsolute(href: string): string {
    try {
      const u = new URL(href);
      return u.origin + this.#unmask(u.pathname + u.search + u.hash);
    } catch {
      return href;
    }
  }
}
