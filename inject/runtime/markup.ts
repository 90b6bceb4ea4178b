/**
 * HTML that scripts hand to the parser: innerHTML, outerHTML (Element and ShadowRoot),
 * insertAdjacentHTML, Range.createContextualFragment, document.write/writeln. Only URL
 * attributes are touched (href src action formaction poster data background xlink:href, and
 * srcset); text, scripts and everything else are left as they are. This is a light pass, not the
 * server's tokenizer: a URL written in an unusual way (character references in the scheme,
 * attributes split across document.write calls) can slip by, and the CSP safety net reports it.
 * Trusted Types objects are passed through untouched.
 */

import { patchArguments, patchSetter } from './guard.js';
import { mapSrcset } from './elements.js';
import type { PageUrls } from './page-url.js';

const URL_ATTRIBUTE = /(\s(?:href|src|action|formaction|poster|data|background|xlink:href)\s*=\s*)(["']?)([^"'\s>]+)/gi;
const SRCSET_ATTRIBUTE = /(\s(?:srcset|imagesrcset)\s*=\s*)(["'])([^"']*)\2/gi;

/** The markup with its URL attributes mapped (the same string when nothing changes). */
export function mapMarkup(urls: PageUrls, html: string): string {
  if (html.indexOf('=') < 0) return html;
  let out = html.replace(URL_ATTRIBUTE, (whole, lead: string, quote: string, url: string) => {
    const r = urls.toGateway(url);
    return r.kind === 'mapped' ? lead + quote + r.url : whole;
  });
  if (/srcset/i.test(out))
    out = out.replace(SRCSET_ATTRIBUTE, (_w, lead: string, quote: string, value: string) => lead + quote + mapSrcset(urls, value) + quote);
  return out;
}

export function patchMarkup(win: Window & typeof globalThis, urls: PageUrls): void {
  const map = (v: unknown): unknown => (typeof v === 'string' ? mapMarkup(urls, v) : v);
  patchSetter(win.Element.prototype, 'innerHTML', map);
  patchSetter(win.Element.prototype, 'outerHTML', map);
  patchSetter((win as { ShadowRoot?: { prototype: object } }).ShadowRoot?.prototype, 'innerHTML', map);
  patchArguments(win.Element.prototype, 'insertAdjacentHTML', (args) => [args[0], map(args[1]), ...args.slice(2)]);
  patchArguments(win.Range.prototype, 'createContextualFragment', (args) => [map(args[0]), ...args.slice(1)]);
  for (const name of ['write', 'writeln']) patchArguments(win.Document.prototype, name, (args) => args.map(map));
}
