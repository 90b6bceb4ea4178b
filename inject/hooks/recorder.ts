/**
 * Records the content frame's document with rrweb (every same-origin child frame included): a
 * full snapshot, then every change, batched per animation frame and handed to the shell. Masking
 * happens here, before anything leaves the page, in two passes: rrweb's own (every field value
 * goes through `maskInputFn`, masked text through `maskTextFn`) and a scrub of each event that
 * catches what rrweb copies as plain attributes (a server-rendered `value=` of a masked field, a
 * textarea's text) and keeps a field masked for as long as the page lives.
 */

import { record } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import { native } from './context.js';
import type { Mask } from './mask.js';
import { OVERLAY_CLASS } from './overlay.js';
import {
  EVENT_FULL,
  EVENT_INCREMENTAL,
  EVENT_META,
  NODE_ELEMENT,
  NODE_TEXT,
  SELECT_EVENT,
  SOURCE_INPUT,
  SOURCE_MUTATION,
} from '../recording.js';

/** Serialized node types and event kinds of rrweb that the scrub reads. */

/** What masked text and values become; their length is not told either. */
export const MASKED_TEXT = '••••••';

interface SerializedNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SerializedNode[];
  textContent?: string;
}

export interface RecorderSink {
  /**
   * A full snapshot of the document, a new id space `sid`: its Meta event (the page's address,
   * which the shell may still have to clean), and the JSON of the events after it.
   */
  snapshot(sid: string, meta: eventWithTime | null, json: string): void;
  /** The JSON of changes since that snapshot, in order. */
  changes(sid: string, json: string): void;
  report(err: unknown): void;
}

const MASK_ALL_BUT_SELECT = {
  color: true,
  date: true,
  'datetime-local': true,
  email: true,
  month: true,
  number: true,
  range: true,
  search: true,
  tel: true,
  text: true,
  time: true,
  url: true,
  week: true,
  textarea: true,
  password: true,
};

const newSid = (): string => Math.random().toString(36).slice(2, 10) || '0';

export class Recorder {
  readonly #masked = new WeakSet<Element>();
  #stop: (() => void) | undefined;
  #sid = '';
  #pending: eventWithTime[] = [];
  #snapshot: eventWithTime[] | null = null;
  #flushQueued = false;
  /** Changes since the last snapshot, and their bytes, to take a checkpoint now and then. */
  #sinceSnapshot = 0;
  #bytesSince = 0;
  #snapshotBytes = 0;
  /**
   * Canvas frames are recorded once the page has a canvas: rrweb's canvas recording runs an
   * animation-frame loop for as long as it records, and on a page without one that loop was
   * measured at 70–80 ms of main-thread time per 10 s (Node-RED's editor), beside the frames it
   * makes the page paint.
   */
  #canvas = false;

  constructor(
    private readonly win: Window,
    private readonly mask: Mask,
    private readonly sink: RecorderSink,
    private readonly checkpointEvery = 2000,
  ) {}

  get sid(): string {
    return this.#sid;
  }

  get running(): boolean {
    return this.#stop !== undefined;
  }

  /** The node an id of the current snapshot names, if it is still in the document. */
  node(id: number): Node | null {
    return record.mirror.getNode(id);
  }

  id(node: Node): number {
    return record.mirror.getId(node);
  }

  /** Whether an element's value and text must never leave the page; once masked, always. */
  isMasked(el: Element): boolean {
    if (this.#masked.has(el)) return true;
    if (!this.mask.isMasked(el)) return false;
    this.#masked.add(el);
    return true;
  }

  start(): void {
    if (this.#stop) return;
    native.add.call(this.win, 'change', this.#onSelect, true);
    const maskSelectors = ['[data-tandem-mask]', this.mask.selectors].filter(Boolean).join(',');
    const options = (canvas: boolean): Parameters<typeof record>[0] => ({
      emit: (e, isCheckout) => this.#emit(e as eventWithTime, isCheckout === true),
      // Every field's value goes through maskInputFn, but for selects: masking them in rrweb
      // would drop every option's `selected` (the scrub masks selects instead).
      maskInputOptions: MASK_ALL_BUT_SELECT,
      maskInputFn: (text, el) => (this.isMasked(el) ? '' : text),
      maskTextSelector: maskSelectors,
      maskTextFn: (text) => (text.trim() ? MASKED_TEXT : text),
      blockClass: OVERLAY_CLASS,
      // Comments and scripts mean nothing to a mirror that runs no script; refresh and base
      // would act there, so they never travel.
      slimDOMOptions: { script: true, comment: true, headMetaHttpEquiv: true },
      recordCanvas: canvas,
      sampling: { canvas: 4, mousemove: false, mouseInteraction: false, scroll: 50 },
      inlineStylesheet: true,
      collectFonts: false,
      errorHandler: (err) => {
        this.sink.report(err);
        return true;
      },
    });
    if (!this.#canvas) {
      this.#stop = record(options(false));
      return;
    }
    try {
      this.#stop = record(options(true));
    } catch (err) {
      // Canvas frames are taken by a worker, which a page's CSP may refuse: the rest still records.
      this.sink.report(err);
      this.#stop = record(options(false));
    }
  }

  /** A multiple select changed: its whole selection travels after rrweb's own input event. */
  #onSelect = (e: Event): void => {
    const el = e.target as HTMLSelectElement | null;
    if (!this.#stop || !el || el.localName !== 'select' || !el.multiple) return;
    native.setTimeout(() => {
      const id = record.mirror.getId(el);
      if (id < 0 || !this.#stop) return;
      const values = this.isMasked(el) ? [] : Array.from(el.selectedOptions, (o) => o.value);
      record.addCustomEvent(SELECT_EVENT, { id, values });
    }, 0);
  };

  stop(): void {
    this.win.removeEventListener('change', this.#onSelect, true);
    this.#stop?.();
    this.#stop = undefined;
    this.#pending = [];
    this.#snapshot = null;
  }

  /** A canvas appeared in what was recorded: start over (a fresh snapshot) with canvas frames. */
  #sawCanvas(): void {
    if (this.#canvas) return;
    this.#canvas = true;
    native.setTimeout(() => {
      if (!this.#stop) return;
      this.stop();
      this.start();
    }, 0);
  }

  /** A new full snapshot (a navigation in the page, a checkpoint, someone joined or resumed). */
  snapshotNow(): void {
    if (!this.#stop) return this.start();
    record.takeFullSnapshot(true);
  }

  #emit(e: eventWithTime, isCheckout: boolean): void {
    try {
      this.#scrub(e);
    } catch (err) {
      // An event that could not be checked does not leave the page.
      this.sink.report(err);
      return;
    }
    if (e.type === EVENT_META || (isCheckout && e.type !== EVENT_FULL)) {
      // A snapshot starts with its Meta event; what was pending belongs to the old id space.
      this.#flush();
      this.#snapshot = [e];
      return;
    }
    if (e.type === EVENT_FULL) {
      this.#flush();
      const events = [...(this.#snapshot ?? []), e];
      this.#snapshot = null;
      this.#sid = newSid();
      const meta = events[0].type === EVENT_META ? events.shift()! : null;
      const json = JSON.stringify(events);
      this.#sinceSnapshot = 0;
      this.#bytesSince = 0;
      this.#snapshotBytes = json.length;
      this.sink.snapshot(this.#sid, meta, json);
      return;
    }
    if (this.#snapshot) {
      this.#snapshot.push(e);
      return;
    }
    this.#pending.push(e);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      // One batch a task: what one handler or one frame changed goes as one command. A longer
      // wait (16 ms was measured) only adds latency: the hub and the mirror take 3–5 ms.
      native.setTimeout(() => {
        this.#flushQueued = false;
        this.#flush();
      }, 0);
    }
  }

  #flush(): void {
    if (this.#pending.length === 0 || !this.#sid) return;
    const batch = this.#pending;
    this.#pending = [];
    const json = JSON.stringify(batch);
    this.sink.changes(this.#sid, json);
    this.#sinceSnapshot += batch.length;
    this.#bytesSince += json.length;
    // A checkpoint once the changes outweigh the snapshot they follow: a joiner then replays at
    // most about twice the snapshot, and a busy page (Node-RED's editor: 2,000 events in 10 s
    // against a 1 MB snapshot) is not serialized whole every few seconds.
    if (this.#sinceSnapshot >= this.checkpointEvery && this.#bytesSince >= this.#snapshotBytes) {
      this.#sinceSnapshot = 0;
      this.#bytesSince = 0;
      native.setTimeout(() => this.snapshotNow(), 0);
    }
  }

  // ---- the scrub: masking that does not rely on rrweb alone ------------------------------------

  #scrub(e: eventWithTime): void {
    if (e.type === EVENT_FULL) {
      this.#scrubTree((e.data as { node: SerializedNode }).node, false);
      return;
    }
    if (e.type !== EVENT_INCREMENTAL) return;
    const data = e.data as { source: number } & Record<string, unknown>;
    if (data.source === SOURCE_INPUT) {
      const el = this.#elementOf(data.id as number);
      if (el && this.isMasked(el)) {
        (data as { text?: string }).text = '';
      }
      return;
    }
    if (data.source !== SOURCE_MUTATION) return;
    const m = data as unknown as {
      adds: { parentId: number; node: SerializedNode }[];
      attributes: { id: number; attributes: Record<string, unknown> }[];
      texts: { id: number; value: string | null }[];
    };
    for (const add of m.adds) {
      const parent = this.#elementOf(add.parentId);
      this.#scrubTree(add.node, !!parent && this.#insideMasked(parent));
    }
    for (const a of m.attributes) {
      const el = this.#elementOf(a.id);
      if (el && this.isMasked(el)) {
        if ('value' in a.attributes) a.attributes.value = '';
        a.attributes['data-tandem-masked'] = '';
      }
    }
    for (const t of m.texts) {
      const el = this.#elementOf(t.id);
      if (el && t.value && this.#insideMasked(el)) t.value = MASKED_TEXT;
    }
  }

  /** The element a node id names (a text node's parent). */
  #elementOf(id: number): Element | null {
    const n = record.mirror.getNode(id);
    if (!n) return null;
    return n.nodeType === 1 ? (n as Element) : n.parentElement;
  }

  #insideMasked(el: Element): boolean {
    if (this.isMasked(el)) return true;
    const host = el.closest(['[data-tandem-mask]', this.mask.selectors].filter(Boolean).join(','));
    return host !== null;
  }

  /** Walks a serialized tree top-down; `masked`: an ancestor's text is masked. */
  #scrubTree(root: SerializedNode, masked: boolean): void {
    const stack: [SerializedNode, boolean][] = [[root, masked]];
    while (stack.length) {
      const [n, inMasked] = stack.pop()!;
      let hide = inMasked;
      if (n.type === NODE_ELEMENT) {
        const attrs = (n.attributes ??= {});
        const tag = n.tagName ?? '';
        if (tag === 'canvas') this.#sawCanvas();
        if (tag === 'input' || tag === 'textarea' || tag === 'select' || 'data-tandem-mask' in attrs || this.mask.selectors) {
          const el = record.mirror.getNode(n.id) as Element | null;
          if (el && el.nodeType === 1 && this.isMasked(el)) hide = true;
        }
        // rrweb copies a checkbox's `checked` attribute (its default) when the box is unchecked:
        // the mirror shows the live state.
        if (tag === 'input' && (attrs.type === 'checkbox' || attrs.type === 'radio')) {
          const box = record.mirror.getNode(n.id) as HTMLInputElement | null;
          if (box && box.nodeType === 1) {
            if (box.checked) attrs.checked = true;
            else delete attrs.checked;
          }
        }
        if (hide) {
          if ('value' in attrs) attrs.value = '';
          if (tag === 'input' || tag === 'textarea' || tag === 'select') attrs['data-tandem-masked'] = '';
          if (tag === 'option') delete attrs.selected;
        }
      } else if (n.type === NODE_TEXT && hide && n.textContent && n.textContent.trim()) {
        n.textContent = MASKED_TEXT;
      }
      if (n.childNodes) for (const c of n.childNodes) stack.push([c, hide]);
    }
  }
}
