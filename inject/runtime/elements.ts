/**
 * URLs that scripts put on elements: the property setters (`img.src = …`, `a.href = …`,
 * `form.action = …`, `srcset`, `poster`, `data`, `formAction`) and setAttribute/setAttributeNS
 * for the same attributes; `target`/`formtarget` `_top`/`_parent` become `_self`.
 * HTML strings (innerHTML, insertAdjacentHTML, document.write) are markup.ts's.
 */

import { parseSrcset } from '../../protocol/url-map.js';
import { patchArguments, patchSetter } from './guard.js';
import { mapArg } from './network.js';
import type { PageUrls } from './page-url.js';

type Win = Window & typeof globalThis;

/** [constructor name, property] pairs whose setter takes a URL. */
const URL_PROPERTIES: [string, string][] = [
  ['HTMLAnchorElement', 'href'],
  ['HTMLAreaElement', 'href'],
  ['HTMLLinkElement', 'href'],
  ['HTMLBaseElement', 'href'],
  ['HTMLImageElement', 'src'],
  ['HTMLScriptElement', 'src'],
  ['HTMLIFrameElement', 'src'],
  ['HTMLFrameElement', 'src'],
  ['HTMLEmbedElement', 'src'],
  ['HTMLSourceElement', 'src'],
  ['HTMLTrackElement', 'src'],
  ['HTMLMediaElement', 'src'],
  ['HTMLInputElement', 'src'],
  ['HTMLVideoElement', 'poster'],
  ['HTMLObjectElement', 'data'],
  ['HTMLFormElement', 'action'],
  ['HTMLInputElement', 'formAction'],
  ['HTMLButtonElement', 'formAction'],
];
const SRCSET_PROPERTIES: [string, string][] = [
  ['HTMLImageElement', 'srcset'],
  ['HTMLSourceElement', 'srcset'],
  ['HTMLLinkElement', 'imageSrcset'],
];
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster', 'background', 'xlink:href']);
const TARGET_ELEMENTS = new Set(['a', 'area', 'form', 'base']);

export function patchElements(win: Win, urls: PageUrls): void {
  const proto = (ctor: string): object | undefined =>
    (win as unknown as Record<string, { prototype: object } | undefined>)[ctor]?.prototype;
  for (const [ctor, prop] of URL_PROPERTIES) patchSetter(proto(ctor), prop, (v) => mapArg(urls, v));
  for (const [ctor, prop] of SRCSET_PROPERTIES) patchSetter(proto(ctor), prop, (v) => (typeof v === 'string' ? mapSrcset(urls, v) : v));
  patchSetter(proto('HTMLAnchorElement'), 'target', noFrameEscape);
  patchSetter(proto('HTMLAreaElement'), 'target', noFrameEscape);
  patchSetter(proto('HTMLFormElement'), 'target', noFrameEscape);
  patchSetter(proto('HTMLBaseElement'), 'target', noFrameEscape);

  const attributeValue = (el: Element, name: unknown, value: unknown): unknown => {
    if (typeof name !== 'string' || typeof value !== 'string') return value;
    const n = name.toLowerCase();
    if (URL_ATTRIBUTES.has(n) || (n === 'data' && el.localName === 'object')) return mapArg(urls, value);
    if (n === 'srcset' || n === 'imagesrcset') return mapSrcset(urls, value);
    if ((n === 'target' && TARGET_ELEMENTS.has(el.localName)) || n === 'formtarget') return noFrameEscape(value);
    return value;
  };
  patchArguments(win.Element.prototype, 'setAttribute', (args, self) => [
    args[0],
    attributeValue(self as Element, args[0], args[1]),
    ...args.slice(2),
  ]);
  patchArguments(win.Element.prototype, 'setAttributeNS', (args, self) => {
    const local = typeof args[1] === 'string' ? args[1].replace(/^[^:]*:/, '') : args[1];
    return [args[0], args[1], attributeValue(self as Element, local === 'href' ? 'href' : args[1], args[2])];
  });
}

function noFrameEscape(v: unknown): unknown {
  return typeof v === 'string' && (v.toLowerCase() === '_top' || v.toLowerCase() === '_parent') ? '_self' : v;
}

/** Maps each candidate of a srcset value (the same parsing as the server's rewriter). */
export function mapSrcset(urls: PageUrls, value: string): string {
  let changed = false;
  const out = parseSrcset(value).map((c) => {
    const r = urls.toGateway(c.url);
    if (r.kind === 'mapped') changed = true;
    const url = r.kind === 'mapped' ? r.url : c.url;
    return c.descriptor ? `${url} ${c.descriptor}` : url;
  });
  return changed ? out.join(', ') : value;
}
