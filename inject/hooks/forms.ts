/**
 * Form values and focus. Keys: `form/<formIndex>/<name>` for a named control (a radio group is
 * one key whose value is the checked radio's value), else `el/<elementKey>`. Values: string,
 * boolean (checkbox, unnamed radio), string[] (select multiple). Contenteditable travels as
 * text, never as markup: nothing received is ever parsed as HTML.
 */

import { joinKey, splitKey } from '../../protocol/keys.js';
import { controlsNamed, elementKey, formIndex, resolveElementKey } from './element-key.js';
import { eventElement, isOwn, native, type Ctx } from './context.js';
import type { LocalCommand } from './bridge.js';

type Value = string | boolean | string[];
type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const NOT_VALUES = new Set(['hidden', 'submit', 'button', 'reset', 'image', 'file']);

function isField(el: Element): el is Field {
  const n = el.localName;
  if (n === 'select' || n === 'textarea') return true;
  return n === 'input' && !NOT_VALUES.has((el as HTMLInputElement).type);
}

function editingHost(el: Element): HTMLElement | null {
  const h = el as HTMLElement;
  if (!h.isContentEditable) return null;
  let cur = h;
  while (cur.parentElement && cur.parentElement.isContentEditable) cur = cur.parentElement;
  return cur;
}

/** The frame-relative key of a field, or null if it has none. */
export function fieldKey(el: Element): string | null {
  const f = el as HTMLInputElement;
  if (isField(el) && f.name && f.form) {
    const fi = formIndex(f.form);
    const same = controlsNamed(el.ownerDocument, fi, f.name);
    const radios = same.every((c) => c.localName === 'input' && (c as HTMLInputElement).type === 'radio');
    if (same.length === 1 || radios) return joinKey('form', fi, f.name);
  }
  const k = elementKey(el);
  return k === null ? null : joinKey('el', k);
}

function valueOf(el: Element): Value {
  if (el.localName === 'input') {
    const i = el as HTMLInputElement;
    if (i.type === 'checkbox') return i.checked;
    if (i.type === 'radio') return i.name && i.form ? (i.checked ? i.value : '') : i.checked;
    return i.value;
  }
  if (el.localName === 'select') {
    const s = el as HTMLSelectElement;
    return s.multiple ? Array.from(s.selectedOptions, (o) => o.value) : s.value;
  }
  if (el.localName === 'textarea') return (el as HTMLTextAreaElement).value;
  return el.textContent ?? '';
}

/** Keeps the caret where the local typist left it when a remote edit lands elsewhere. */
function setTextKeepingCaret(el: HTMLInputElement | HTMLTextAreaElement, next: string): void {
  const prev = el.value;
  if (prev === next) return;
  const focused = el.ownerDocument.activeElement === el;
  let start: number | null = null;
  let end: number | null = null;
  try {
    start = el.selectionStart;
    end = el.selectionEnd;
  } catch {
    /* types without a selection (email, number) */
  }
  (el.localName === 'textarea' ? native.textareaValue : native.inputValue).call(el, next);
  if (!focused || start === null || end === null) return;
  let pre = 0;
  const max = Math.min(prev.length, next.length);
  while (pre < max && prev.charCodeAt(pre) === next.charCodeAt(pre)) pre++;
  let suf = 0;
  while (suf < max - pre && prev.charCodeAt(prev.length - 1 - suf) === next.charCodeAt(next.length - 1 - suf)) suf++;
  const map = (p: number): number => (p <= pre ? p : p >= prev.length - suf ? p + next.length - prev.length : next.length - suf);
  try {
    el.setSelectionRange(map(start), map(end));
  } catch {
    /* ignore */
  }
}

export class Forms {
  #focused: string | null = null;
  readonly #remoteFocus = new Map<string, HTMLElement>();

  constructor(private readonly ctx: Ctx) {
    const onChange = (e: Event): void => this.#detect(e);
    ctx.listen(ctx.doc, 'input', onChange, true);
    ctx.listen(ctx.doc, 'change', onChange, true);
    ctx.listen(ctx.doc, 'focusin', (e) => this.#focus(e, true), true);
    ctx.listen(ctx.doc, 'focusout', (e) => this.#focus(e, false), true);
  }

  #target(e: Event): Element | null {
    const el = eventElement(e);
    if (!el || isOwn(el)) return null;
    if (isField(el)) return el;
    return editingHost(el);
  }

  #detect(e: Event): void {
    // Untrusted events count too: values are state, and scripts (a date picker, an automation
    // tool) that set a field and fire `change` mean it. Our own applying is what must not echo.
    if (this.ctx.applying) return;
    const el = this.#target(e);
    if (!el || this.ctx.mask.isMasked(el)) return;
    // A radio's input event fires on the newly checked one: its group key carries its value.
    const key = fieldKey(el);
    if (key === null) return;
    // Both events fire for most fields: choices report on `change`, text-like fields on
    // `input`, so one edit is one command.
    const t = (el as HTMLInputElement).type;
    const choice = el.localName === 'select' || t === 'checkbox' || t === 'radio';
    if (e.type !== (choice ? 'change' : 'input')) return;
    this.ctx.send(key, 'input', { value: valueOf(el) });
  }

  #focus(e: Event, on: boolean): void {
    if (!e.isTrusted || this.ctx.applying || !this.ctx.setup) return;
    const el = on ? this.#target(e) : null;
    if (on && !el) return;
    if (!on && (e as FocusEvent).relatedTarget) return;
    const key = el ? elementKey(el) : null;
    if (key === this.#focused) return;
    this.#focused = key;
    this.ctx.send(joinKey('focus', this.ctx.setup.me), 'focus', { el: key });
  }

  /** Applies a remote value. Masked fields refuse it. */
  applyInput(key: string, value: unknown): void {
    const parts = splitKey(key);
    const doc = this.ctx.doc;
    let targets: Element[] = [];
    if (parts[0] === 'form' && parts.length === 3) targets = controlsNamed(doc, parts[1], parts[2]);
    else if (parts[0] === 'el' && parts.length === 2) {
      const el = resolveElementKey(doc, parts[1]);
      if (el) targets = [el];
    }
    if (targets.length === 0) return;
    this.ctx.apply(() => {
      for (const el of targets) {
        if (this.ctx.mask.isMasked(el)) return;
        this.#set(el, value, targets.length > 1);
      }
    });
  }

  #set(el: Element, value: unknown, inGroup: boolean): void {
    let changed = false;
    if (el.localName === 'input') {
      const i = el as HTMLInputElement;
      if (i.type === 'checkbox' || (i.type === 'radio' && !inGroup && typeof value === 'boolean')) {
        const want = value === true;
        changed = i.checked !== want;
        native.checked.call(i, want);
      } else if (i.type === 'radio') {
        const want = i.value === value;
        changed = i.checked !== want;
        native.checked.call(i, want);
      } else if (typeof value === 'string') {
        changed = i.value !== value;
        setTextKeepingCaret(i, value);
      }
    } else if (el.localName === 'textarea' && typeof value === 'string') {
      changed = (el as HTMLTextAreaElement).value !== value;
      setTextKeepingCaret(el as HTMLTextAreaElement, value);
    } else if (el.localName === 'select') {
      const s = el as HTMLSelectElement;
      const want = new Set(Array.isArray(value) ? value : [String(value)]);
      for (const o of Array.from(s.options)) {
        const sel = want.has(o.value);
        if (o.selected !== sel) changed = true;
        o.selected = sel;
      }
    } else if ((el as HTMLElement).isContentEditable && typeof value === 'string') {
      changed = el.textContent !== value;
      if (changed) el.textContent = value;
    }
    // The page's own scripts (validation, frameworks) see the change as the sender's page did.
    if (changed) {
      native.dispatch.call(el, new Event('input', { bubbles: true }));
      native.dispatch.call(el, new Event('change', { bubbles: true }));
    }
  }

  /** Shows where a remote participant's focus is. */
  applyFocus(by: string, d: { el: string | null }, color: string, name: string): void {
    const old = this.#remoteFocus.get(by);
    if (old) {
      old.style.removeProperty('outline');
      old.style.removeProperty('outline-offset');
      old.removeAttribute('data-tandem-focus');
      this.#remoteFocus.delete(by);
    }
    const el = d.el ? (resolveElementKey(this.ctx.doc, d.el) as HTMLElement | null) : null;
    if (!el || !el.style) return;
    el.style.setProperty('outline', `2px solid ${color}`);
    el.style.setProperty('outline-offset', '1px');
    el.setAttribute('data-tandem-focus', name);
    this.#remoteFocus.set(by, el);
  }

  /** Every non-masked field's value, for the customer's state send at the start of a call. */
  collect(): LocalCommand[] {
    const out: LocalCommand[] = [];
    const seen = new Set<string>();
    const all = this.ctx.doc.querySelectorAll('input,select,textarea,[contenteditable]');
    for (let i = 0; i < all.length; i++) {
      const el = all[i];
      if (isOwn(el) || this.ctx.mask.isMasked(el)) continue;
      if (!isField(el) && editingHost(el) !== el) continue;
      const key = fieldKey(el);
      if (key === null || seen.has(key)) continue;
      const i2 = el as HTMLInputElement;
      if (i2.type === 'radio' && i2.name && i2.form && !i2.checked) continue;
      seen.add(key);
      out.push({ k: key, op: 'input', d: { value: valueOf(el) } });
    }
    return out;
  }
}
