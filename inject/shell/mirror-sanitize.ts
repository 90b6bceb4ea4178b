/**
 * Makes a recorded document inert before the mirror rebuilds it. The recording comes from the
 * customer's page, and a hostile page can forge it, so nothing in it is trusted: handler
 * attributes, `javascript:` and `data:` documents, `srcdoc`, script elements, `<base>`, refresh
 * and anything that would load a document in the operator's browser are taken out here. The
 * mirror's frame is sandboxed without scripts and the shell's CSP (inherited by that frame) keeps
 * every load on the gateway; this is the third wall, and the one that keeps navigations out.
 */

import type { ResourceUrls } from './resource-urls.js';
import {
  EVENT_CUSTOM,
  EVENT_FULL,
  EVENT_INCREMENTAL,
  EVENT_META,
  NODE_ELEMENT,
  NODE_TEXT,
  SOURCE_ADOPTED_STYLE,
  SOURCE_MUTATION,
  SOURCE_STYLE_DECLARATION,
  SOURCE_STYLE_RULE,
} from '../recording.js';

export interface SerializedNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SerializedNode[];
  textContent?: string;
  isSVG?: boolean;
  isStyle?: boolean;
}

export interface RecordedEvent {
  type: number;
  data: unknown;
  timestamp: number;
}

/** Attributes whose value is a URL that the mirror would follow or load. */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'data',
  'poster',
  'background',
  'codebase',
  'ping',
  'lowsrc',
  'dynsrc',
]);
/** Elements that would load or run a document of their own. */
const DOCUMENT_LOADERS = new Set(['iframe', 'frame', 'object', 'embed', 'applet', 'portal', 'fencedframe']);
/** Elements whose every attribute is dropped: `<base>` would change how the mirror resolves URLs. */
const NEUTERED = new Set(['base']);
const SCRIPTY = new Set(['script', 'noscript']);
/** Link relations the mirror needs (stylesheets the recorder could not inline). */
const KEPT_LINK_RELS = /^\s*stylesheet\s*$/i;

function isDangerousUrl(v: string): boolean {
  // Browsers ignore ASCII whitespace and control characters inside a scheme.
  const s = v.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
  return (
    s.startsWith('javascript:') ||
    s.startsWith('vbscript:') ||
    s.startsWith('data:text/html') ||
    s.startsWith('data:image/svg') ||
    s.startsWith('data:application')
  );
}

/** Cleans one element's attributes in place (a full set or a mutation's changed ones). */
export function sanitizeAttributes(tag: string, attrs: Record<string, unknown>, isChange = false, urls?: ResourceUrls): void {
  const t = tag.toLowerCase();
  for (const name of Object.keys(attrs)) {
    const n = name.toLowerCase();
    const v = attrs[name];
    let drop = NEUTERED.has(t) || n.startsWith('on') || n === 'srcdoc' || n === 'formtarget' || n === 'target';
    if (!drop && typeof v === 'string' && (URL_ATTRIBUTES.has(n) || n.endsWith(':href')) && isDangerousUrl(v)) drop = true;
    if (!drop && DOCUMENT_LOADERS.has(t) && (n === 'src' || n === 'data' || n === 'rr_src')) drop = true;
    if (!drop && t === 'link' && n === 'href' && !(isChange || KEPT_LINK_RELS.test(String(attrs.rel ?? '')))) drop = true;
    if (!drop && (t === 'animate' || t === 'set') && n === 'attributename' && /href/i.test(String(v))) drop = true;
    // A refresh (or any http-equiv) would act in the mirror; without it, `content` is inert.
    if (!drop && n === 'http-equiv') drop = true;
    if (drop) {
      // A change sets null: the attribute is removed from the mirror's node.
      if (isChange) attrs[name] = null;
      else delete attrs[name];
      continue;
    }
    if (!urls || typeof v !== 'string') continue;
    if (n === 'style' || n === '_csstext') attrs[name] = urls.css(v);
    else if (n === 'srcset') attrs[name] = urls.srcset(v);
    else if (URL_ATTRIBUTES.has(n) || n.endsWith(':href')) attrs[name] = urls.url(v);
  }
}

/** Cleans a serialized tree in place, noting each element's tag by id. */
export function sanitizeTree(root: SerializedNode, tags: Map<number, string>, urls?: ResourceUrls): void {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === NODE_TEXT && n.isStyle && urls && typeof n.textContent === 'string') n.textContent = urls.css(n.textContent);
    if (n.type === NODE_ELEMENT) {
      const tag = (n.tagName ?? '').toLowerCase();
      tags.set(n.id, SCRIPTY.has(tag) ? 'noscript' : tag);
      if (SCRIPTY.has(tag)) {
        // Kept as a node (later changes may name it), never as a script.
        n.tagName = 'noscript';
        n.attributes = {};
        n.childNodes = [];
        continue;
      }
      n.attributes ??= {};
      sanitizeAttributes(tag, n.attributes, false, urls);
    }
    if (n.childNodes) for (const c of n.childNodes) stack.push(c);
  }
}

/**
 * Cleans one recorded event in place; false when it should be dropped altogether. `tags` is the
 * document's element tags by node id, kept up to date here (a full snapshot starts it over), so
 * an attribute change is judged by the element it lands on, whoever sent it.
 */
export function sanitizeEvent(e: RecordedEvent, tags: Map<number, string>, urls?: ResourceUrls): boolean {
  if (!e || typeof e !== 'object' || typeof e.type !== 'number') return false;
  if (e.type === EVENT_META) {
    const d = e.data as { href?: unknown };
    if (d && typeof d.href === 'string' && isDangerousUrl(d.href)) d.href = 'about:blank';
    return true;
  }
  if (e.type === EVENT_FULL) {
    const node = (e.data as { node?: SerializedNode })?.node;
    if (!node || typeof node !== 'object') return false;
    tags.clear();
    sanitizeTree(node, tags, urls);
    return true;
  }
  // Custom events are data the shell reads itself (a multiple select's values); rrweb ignores them.
  if (e.type === EVENT_CUSTOM) return true;
  if (e.type !== EVENT_INCREMENTAL) return e.type < 2;
  const d = e.data as { source?: number } & Record<string, unknown>;
  if (!d || typeof d !== 'object') return false;
  if (urls && (d.source === SOURCE_STYLE_RULE || d.source === SOURCE_ADOPTED_STYLE)) {
    const r = d as { adds?: { rule?: unknown }[]; styles?: { rules?: { rule?: unknown }[] }[] };
    for (const a of r.adds ?? []) if (typeof a?.rule === 'string') a.rule = urls.css(a.rule);
    for (const st of r.styles ?? []) for (const a of st?.rules ?? []) if (typeof a?.rule === 'string') a.rule = urls.css(a.rule);
  }
  if (urls && d.source === SOURCE_STYLE_DECLARATION) {
    const set = (d as { set?: { value?: unknown } }).set;
    if (set && typeof set.value === 'string') set.value = urls.css(set.value);
  }
  if (d.source !== SOURCE_MUTATION) return true;
  const m = d as unknown as {
    adds?: { node: SerializedNode }[];
    attributes?: { id: number; attributes: Record<string, unknown> }[];
    texts?: { id: number; value: unknown }[];
  };
  // A <style>'s text changed: its URLs too.
  if (urls) for (const t of m.texts ?? []) if (typeof t?.value === 'string' && t.value.includes('url(')) t.value = urls.css(t.value);
  for (const add of m.adds ?? []) if (add?.node) sanitizeTree(add.node, tags, urls);
  // An element the sanitizer never saw is judged as the most dangerous kind.
  for (const a of m.attributes ?? []) if (a?.attributes) sanitizeAttributes(tags.get(a.id) ?? 'iframe', a.attributes, true, urls);
  return true;
}
