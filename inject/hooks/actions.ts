/**
 * Carries out an operator's action on the customer's real page, as close to a person's input as
 * a page can tell: the pointer, mouse and click sequence at the point the operator pressed,
 * focus, key events with their default actions (text through the editing commands, so rich-text
 * editors and frameworks see it as typing), values through the native setters followed by
 * `input` and `change`, form submission through the page's own buttons or `requestSubmit`.
 * Whatever the page then does happens once, here. Masked fields refuse keys and values.
 */

import type { Act, Mods, Selection } from '../../protocol/mirror.js';
import { native } from './context.js';
import type { Recorder } from './recorder.js';

const FOCUSABLE = 'a[href],button,input,select,textarea,summary,iframe,[tabindex],[contenteditable]:not([contenteditable="false"])';
const TEXT_INPUT = /^(?:text|search|email|url|tel|password|number|date|datetime-local|month|week|time|color)$/;

type Win = Window & typeof globalThis;

const selectValue = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')!.set!;
const execCommand = Document.prototype.execCommand;

function winOf(el: Element): Win {
  return (el.ownerDocument.defaultView ?? window) as Win;
}

function isTextField(el: Element): el is HTMLInputElement | HTMLTextAreaElement {
  if (el.localName === 'textarea') return true;
  return el.localName === 'input' && TEXT_INPUT.test((el as HTMLInputElement).type || 'text');
}

function isEditable(el: Element): boolean {
  return isTextField(el) || (el as HTMLElement).isContentEditable;
}

function mods(m: Mods | undefined): { altKey: boolean; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean } {
  return { altKey: !!m?.alt, ctrlKey: !!m?.ctrl, metaKey: !!m?.meta, shiftKey: !!m?.shift };
}

/** KeyboardEvent.keyCode for a key name (what `keydown` carries in browsers). */
const NAMED_CODES: Record<string, number> = {
  Backspace: 8,
  Tab: 9,
  Enter: 13,
  Shift: 16,
  Control: 17,
  Alt: 18,
  Escape: 27,
  ' ': 32,
  PageUp: 33,
  PageDown: 34,
  End: 35,
  Home: 36,
  ArrowLeft: 37,
  ArrowUp: 38,
  ArrowRight: 39,
  ArrowDown: 40,
  Delete: 46,
};

/** What Ctrl/Cmd with a letter does in an editable region, by the browser's own default. */
const FORMAT_KEYS: Record<string, string> = { b: 'bold', i: 'italic', u: 'underline' };

function legacyKeyCode(key: string): number {
  if (key in NAMED_CODES) return NAMED_CODES[key];
  if (key.length !== 1) return 0;
  const c = key.toUpperCase().charCodeAt(0);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) ? c : key.charCodeAt(0);
}

export class Actions {
  constructor(
    private readonly rec: Recorder,
    private readonly report: (err: unknown) => void,
  ) {}

  /** The end of the action before (a press's release waits a task): actions run in order. */
  #previous: Promise<void> = Promise.resolve();

  /** Carries out `act` once every earlier action is done. */
  run(act: Act): void {
    this.#previous = this.#previous.then(() => this.#run(act)).catch((err: unknown) => this.report(err));
  }

  #run(act: Act): void | Promise<void> {
    if (act.type === 'goto') return;
    // Ids name nodes of one snapshot; an action aimed at an older one is stale.
    if (act.sid !== this.rec.sid) return;
    const node = this.rec.node(act.id);
    if (!node) return;
    const el = node.nodeType === 1 ? (node as Element) : node.nodeType === 9 ? (node as Document).documentElement : node.parentElement;
    if (!el || !el.isConnected) return;
    switch (act.type) {
      case 'click':
      case 'dblclick':
      case 'contextmenu':
        return this.#click(el, act.type, act.ox, act.oy, act.mods, act.sel);
      case 'key':
        return this.#key(el, act.key, act.code, act.mods, act.field, act.sel);
      case 'text':
        if (this.rec.isMasked(el)) return;
        this.#focus(el, act.field, act.sel);
        return this.#insertText(el, act.text);
      case 'value':
        return this.#value(el, act.value);
      case 'scroll':
        return this.#scroll(node, el, act.x, act.y);
      case 'drag':
        return this.#drag(el, act.path, act.mods);
    }
  }

  // ---- pointer ----------------------------------------------------------------------------------

  #pointer(
    target: Element,
    type: string,
    x: number,
    y: number,
    m: Mods | undefined,
    extra: MouseEventInit & PointerEventInit = {},
  ): boolean {
    const w = winOf(target);
    const init = {
      bubbles: true,
      cancelable: true,
      composed: true,
      view: w,
      clientX: x,
      clientY: y,
      screenX: x,
      screenY: y,
      ...mods(m),
      ...extra,
    };
    const isPointer = type.startsWith('pointer');
    const Ctor = isPointer ? w.PointerEvent : type.startsWith('drag') || type === 'drop' ? w.DragEvent : w.MouseEvent;
    const ev = isPointer ? new Ctor(type, { pointerId: 1, pointerType: 'mouse', isPrimary: true, ...init }) : new Ctor(type, init);
    return native.dispatch.call(target, ev);
  }

  #click(
    el: Element,
    type: 'click' | 'dblclick' | 'contextmenu',
    ox: number,
    oy: number,
    m: Mods | undefined,
    sel: Selection | undefined,
  ): void | Promise<void> {
    const r = native.rect.call(el);
    const x = r.left + ox;
    const y = r.top + oy;
    const button = type === 'contextmenu' ? 2 : 0;
    // The mirror sends each click of a double click as it happens, then the double click.
    if (type === 'dblclick') {
      this.#pointer(el, 'dblclick', x, y, m, { detail: 2 });
      return;
    }
    this.#pointer(el, 'pointerover', x, y, m);
    this.#pointer(el, 'mouseover', x, y, m);
    this.#pointer(el, 'pointermove', x, y, m);
    this.#pointer(el, 'mousemove', x, y, m);
    const down = { button, buttons: button === 2 ? 2 : 1, detail: 1 };
    const downOk = this.#pointer(el, 'pointerdown', x, y, m, down);
    const mouseOk = this.#pointer(el, 'mousedown', x, y, m, down) && downOk;
    if (mouseOk) this.#focus(el, undefined, sel);
    // The release comes in a task of its own, as a person's does: what the press set off (a
    // field's blur, and a framework's state updated from it in a microtask) is done before the
    // click handler reads it. Seen in loaded full runs: Swagger UI's Execute, pressed right after
    // typing into its debounced body field (which hands its value over on blur), sent nothing.
    return new Promise<void>((done) =>
      native.setTimeout(() => {
        try {
          const up = { button, buttons: 0, detail: 1 };
          this.#pointer(el, 'pointerup', x, y, m, up);
          this.#pointer(el, 'mouseup', x, y, m, up);
          this.#pointer(el, button === 2 ? 'contextmenu' : 'click', x, y, m, up);
        } finally {
          done();
        }
      }, 0),
    );
  }

  /** Focuses the element (or its nearest focusable ancestor) and places the caret as given. */
  #focus(el: Element, field: [number, number] | undefined, sel: Selection | undefined): void {
    const target = (el.closest(FOCUSABLE) ?? null) as HTMLElement | null;
    if (target && target.ownerDocument.activeElement !== target) target.focus({ preventScroll: true });
    if (field && isTextField(el)) {
      try {
        el.setSelectionRange(field[0], field[1]);
      } catch {
        /* a field type without a selection */
      }
    }
    if (sel) this.#select(el, sel);
  }

  /** Places the document's selection where the operator's caret was, node ids mapped back. */
  #select(el: Element, sel: Selection): void {
    const anchor = this.rec.node(sel.anchor);
    const focus = this.rec.node(sel.focus);
    if (!anchor || !focus) return;
    const s = el.ownerDocument.getSelection();
    if (!s) return;
    const clamp = (n: Node, o: number): number => Math.min(o, n.nodeType === 3 ? (n.nodeValue ?? '').length : n.childNodes.length);
    try {
      s.setBaseAndExtent(anchor, clamp(anchor, sel.anchorOffset), focus, clamp(focus, sel.focusOffset));
    } catch (err) {
      this.report(err);
    }
  }

  // ---- keys and text ----------------------------------------------------------------------------

  #key(el: Element, key: string, code: string, m: Mods | undefined, field: [number, number] | undefined, sel: Selection | undefined): void {
    if (this.rec.isMasked(el)) return;
    this.#focus(el, field, undefined);
    const target = (el.ownerDocument.activeElement ?? el) as HTMLElement;
    // The operator's selection goes with the key only where the key lands: one placed
    // elsewhere (a word picked before the page focused a field) would take the field's away.
    const anchor = sel ? this.rec.node(sel.anchor) : null;
    if (sel && anchor && (target === el.ownerDocument.body || target.contains(anchor))) this.#select(el, sel);
    const w = winOf(target);
    // The legacy codes too: plenty of applications still test `event.which === 13`.
    const legacy = legacyKeyCode(key);
    const init = { key, code, bubbles: true, cancelable: true, composed: true, view: w, keyCode: legacy, which: legacy, ...mods(m) };
    const go = native.dispatch.call(target, new w.KeyboardEvent('keydown', init));
    const printable = key.length === 1 && !m?.ctrl && !m?.meta;
    if (go && (printable || key === 'Enter')) {
      const char = key === 'Enter' ? 13 : key.charCodeAt(0);
      native.dispatch.call(target, new w.KeyboardEvent('keypress', { ...init, keyCode: char, which: char, charCode: char }));
    }
    if (go) this.#defaultAction(target, key, printable, m);
    native.dispatch.call(target, new w.KeyboardEvent('keyup', { ...init, cancelable: false }));
  }

  #defaultAction(target: HTMLElement, key: string, printable: boolean, m: Mods | undefined): void {
    const editable = isEditable(target);
    if (printable) {
      if (editable) return this.#insertText(target, key);
      if (key === ' ' && target.matches('button,input,summary,[role=button],[role=checkbox]')) target.click();
      return;
    }
    if (m?.ctrl || m?.meta) {
      const shortcut = key.toLowerCase();
      if (shortcut === 'a') {
        // Select all: the field's text, or the editable region's, as the browser would.
        if (isTextField(target)) target.select();
        else if (target.isContentEditable) this.#exec(target, 'selectAll');
        return;
      }
      // The browser's own formatting keys in rich text (an editor that handles them itself
      // prevents the keydown, and this never runs).
      const command = FORMAT_KEYS[shortcut];
      if (command && target.isContentEditable) this.#exec(target, command);
      return;
    }
    switch (key) {
      case 'Enter':
        if (target.localName === 'textarea') return this.#insertText(target, '\n');
        if (target.isContentEditable) return void this.#exec(target, m?.shift ? 'insertLineBreak' : 'insertParagraph');
        if (target.localName === 'input') return this.#implicitSubmit(target as HTMLInputElement);
        if (target.matches('a[href],button,summary,[role=button]')) target.click();
        return;
      case 'Backspace':
      case 'Delete':
        if (editable && !this.#exec(target, key === 'Backspace' ? 'delete' : 'forwardDelete'))
          this.#deleteFallback(target, key === 'Backspace');
        return;
      case 'Tab':
        return this.#tab(target, !!m?.shift);
    }
  }

  /** Runs an editing command on the focused element; false when the browser would not. */
  #exec(target: HTMLElement, command: string, value?: string): boolean {
    try {
      return execCommand.call(target.ownerDocument, command, false, value);
    } catch {
      return false;
    }
  }

  #insertText(target: Element, text: string): void {
    const el = target as HTMLElement;
    if (this.#exec(el, 'insertText', text)) return;
    if (!isTextField(el)) return;
    // The editing command was refused (a detached selection): set the value the way a
    // framework's own listeners still see it.
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    this.#setValue(el, el.value.slice(0, start) + text + el.value.slice(end));
    el.setSelectionRange(start + text.length, start + text.length);
    const w = winOf(el);
    native.dispatch.call(el, new w.InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
  }

  #deleteFallback(target: HTMLElement, backward: boolean): void {
    if (!isTextField(target)) return;
    const s = target.selectionStart ?? 0;
    const e = target.selectionEnd ?? s;
    const [from, to] = s !== e ? [s, e] : backward ? [Math.max(0, s - 1), s] : [s, s + 1];
    this.#setValue(target, target.value.slice(0, from) + target.value.slice(to));
    target.setSelectionRange(from, from);
    const w = winOf(target);
    native.dispatch.call(
      target,
      new w.InputEvent('input', { bubbles: true, inputType: backward ? 'deleteContentBackward' : 'deleteContentForward' }),
    );
  }

  #setValue(el: HTMLInputElement | HTMLTextAreaElement, value: string): void {
    (el.localName === 'textarea' ? native.textareaValue : native.inputValue).call(el, value);
  }

  /** Enter in a field: the form's default button is pressed, or the form is submitted. */
  #implicitSubmit(input: HTMLInputElement): void {
    const form = input.form;
    if (!form) return;
    const button = [...form.elements].find((e) => (e as HTMLButtonElement).type === 'submit' && !(e as HTMLButtonElement).disabled) as
      HTMLElement | undefined;
    if (button) button.click();
    else form.requestSubmit();
  }

  #tab(from: HTMLElement, back: boolean): void {
    const doc = from.ownerDocument;
    const all = [...doc.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (e) => e.tabIndex >= 0 && !(e as HTMLInputElement).disabled && e.getClientRects().length > 0,
    );
    const i = all.indexOf(from);
    const next = all[(i + (back ? -1 : 1) + all.length) % all.length];
    next?.focus();
  }

  // ---- values, scroll, drag ---------------------------------------------------------------------

  #value(el: Element, value: string | boolean | string[]): void {
    if (this.rec.isMasked(el)) return;
    const w = winOf(el);
    if (el.localName === 'input' && ((el as HTMLInputElement).type === 'checkbox' || (el as HTMLInputElement).type === 'radio')) {
      if ((el as HTMLInputElement).checked !== (value === true)) (el as HTMLInputElement).click();
      return;
    }
    if (el.localName === 'select') {
      const s = el as HTMLSelectElement;
      if (Array.isArray(value)) for (const o of s.options) o.selected = value.includes(o.value);
      else selectValue.call(s, String(value));
    } else if (isTextField(el) && typeof value === 'string') {
      this.#focus(el, undefined, undefined);
      this.#setValue(el, value);
    } else return;
    native.dispatch.call(el, new w.Event('input', { bubbles: true, composed: true }));
    native.dispatch.call(el, new w.Event('change', { bubbles: true }));
  }

  #scroll(node: Node, el: Element, x: number, y: number): void {
    if (node.nodeType === 9 || el === el.ownerDocument.documentElement || el === el.ownerDocument.body) {
      winOf(el).scrollTo(x, y);
    } else el.scrollTo(x, y);
  }

  /** A press at the first point, moves along the path, a release at the last (and HTML5 drag and drop where the source is draggable). */
  #drag(el: Element, path: [number, number][], m: Mods | undefined): void {
    const doc = el.ownerDocument;
    const at = (p: [number, number]): Element => doc.elementFromPoint(p[0], p[1]) ?? el;
    const [x0, y0] = path[0];
    this.#pointer(el, 'pointerdown', x0, y0, m, { buttons: 1 });
    this.#pointer(el, 'mousedown', x0, y0, m, { buttons: 1 });
    const source = el.closest('[draggable="true"]');
    const dt = source ? new DataTransfer() : null;
    if (source) this.#pointer(source, 'dragstart', x0, y0, m, { dataTransfer: dt } as MouseEventInit);
    let over: Element = el;
    for (const p of path.slice(1)) {
      over = at(p);
      this.#pointer(over, 'pointermove', p[0], p[1], m, { buttons: 1 });
      this.#pointer(over, 'mousemove', p[0], p[1], m, { buttons: 1 });
      if (source) {
        this.#pointer(over, 'dragenter', p[0], p[1], m, { dataTransfer: dt } as MouseEventInit);
        this.#pointer(over, 'dragover', p[0], p[1], m, { dataTransfer: dt } as MouseEventInit);
      }
    }
    const [xn, yn] = path[path.length - 1];
    if (source) {
      this.#pointer(over, 'drop', xn, yn, m, { dataTransfer: dt } as MouseEventInit);
      this.#pointer(source, 'dragend', xn, yn, m, { dataTransfer: dt } as MouseEventInit);
    }
    this.#pointer(over, 'pointerup', xn, yn, m, { buttons: 0 });
    this.#pointer(over, 'mouseup', xn, yn, m, { buttons: 0 });
  }
}
