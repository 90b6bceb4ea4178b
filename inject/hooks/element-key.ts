/**
 * Element keys: one name for "the same element" in every participant's copy of a page.
 * Tried in order, so small DOM differences (an extra banner, a reordered head) do not matter:
 *   `#id`                 an id unique in the document
 *   `@<form>:<name>`      a form control's name, unique within its form (`-` when formless)
 *   `@<form>:<name>=<v>`  a checkbox or radio sharing its name, told apart by value
 *   `#anchor>2>0`         element-child indices from the nearest ancestor with a unique id
 *   `>1>4>0`              …or from <body>; `body` and `html` name themselves
 * Tandem's own elements (overlays marked `data-tandem`) are left out of every count.
 */

const OWN_ATTR = 'data-tandem';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | HTMLButtonElement;

function isControl(el: Element): el is Control {
  const n = el.localName;
  return n === 'input' || n === 'select' || n === 'textarea' || n === 'button';
}

function uniqueId(el: Element): string | null {
  const id = el.id;
  return id && el.ownerDocument.getElementById(id) === el ? id : null;
}

export function formIndex(form: HTMLFormElement | null): string {
  if (!form) return '-';
  const i = Array.prototype.indexOf.call(form.ownerDocument.forms, form) as number;
  return i < 0 ? '-' : String(i);
}

/** Controls of the same form (or formless ones of the document) that carry `name`. */
export function controlsNamed(doc: Document, form: string, name: string): Control[] {
  const out: Control[] = [];
  const scope: ArrayLike<Element> =
    form === '-' ? doc.querySelectorAll('input,select,textarea,button') : (doc.forms[Number(form)]?.elements ?? []);
  for (let i = 0; i < scope.length; i++) {
    const el = scope[i];
    if (isControl(el) && el.name === name && (form !== '-' || el.form === null)) out.push(el);
  }
  return out;
}

function namedKey(el: Element): string | null {
  if (!isControl(el) || !el.name) return null;
  const f = formIndex(el.form);
  const same = controlsNamed(el.ownerDocument, f, el.name);
  const base = `@${f}:${el.name}`;
  if (same.length === 1) return base;
  if (el.localName === 'input' && (el.type === 'radio' || el.type === 'checkbox')) {
    const v = (el as HTMLInputElement).value;
    if (same.filter((o) => (o as HTMLInputElement).value === v).length === 1) return `${base}=${v}`;
  }
  return null;
}

function ownChildren(parent: Element): Element[] {
  const out: Element[] = [];
  for (let c = parent.firstElementChild; c; c = c.nextElementSibling) if (!c.hasAttribute(OWN_ATTR)) out.push(c);
  return out;
}

function pathKey(el: Element): string | null {
  const doc = el.ownerDocument;
  const steps: number[] = [];
  let cur: Element = el;
  for (;;) {
    if (cur === doc.body) return '>' + steps.join('>');
    if (cur !== el) {
      const id = uniqueId(cur);
      if (id) return `#${id}>${steps.join('>')}`;
    }
    const parent = cur.parentElement;
    if (!parent) return null;
    steps.unshift(ownChildren(parent).indexOf(cur));
    cur = parent;
  }
}

/** The key of `el`, or null when it has none (detached, inside <head>, or one of Tandem's own). */
export function elementKey(el: Element): string | null {
  if (el.closest(`[${OWN_ATTR}]`)) return null;
  const doc = el.ownerDocument;
  if (el === doc.documentElement) return 'html';
  if (el === doc.body) return 'body';
  const id = uniqueId(el);
  if (id) return '#' + id;
  return namedKey(el) ?? (doc.body && doc.body.contains(el) ? pathKey(el) : null);
}

function walk(from: Element, steps: string[]): Element | null {
  let cur: Element | undefined = from;
  for (const s of steps) {
    if (!cur || !/^\d+$/.test(s)) return null;
    cur = ownChildren(cur)[Number(s)];
  }
  return cur ?? null;
}

/** The element a key names in `doc`, or null. */
export function resolveElementKey(doc: Document, key: string): Element | null {
  if (key === 'html') return doc.documentElement;
  if (key === 'body') return doc.body;
  const gt = key.indexOf('>');
  if (key[0] === '#') {
    const anchor = doc.getElementById(gt < 0 ? key.slice(1) : key.slice(1, gt));
    if (!anchor || gt < 0) return anchor;
    return walk(anchor, key.slice(gt + 1).split('>'));
  }
  if (key[0] === '>') return doc.body ? walk(doc.body, key.slice(1).split('>')) : null;
  if (key[0] === '@') {
    const colon = key.indexOf(':');
    if (colon < 0) return null;
    const form = key.slice(1, colon);
    let name = key.slice(colon + 1);
    let value: string | null = null;
    const same = controlsNamed(doc, form, name);
    if (same.length !== 1) {
      const eq = name.lastIndexOf('=');
      if (eq < 0) return null;
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
      return controlsNamed(doc, form, name).find((c) => (c as HTMLInputElement).value === value) ?? null;
    }
    return same[0];
  }
  return null;
}
