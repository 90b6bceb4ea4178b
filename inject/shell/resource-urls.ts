/**
 * An operator's mirror loads the page's stylesheets, images and fonts through the gateway on the
 * customers' origin, by a resource token in the path (`/__tandem/r/<token>/<path>`): GET and
 * HEAD of that session's resources only, ending when the operator leaves (gateway
 * proxy/participant.ts). No cookie of the customers' origin is needed or held by the operator's
 * browser. A URL of any other host becomes one that loads nothing: the operator's browser never
 * asks an origin for anything (the shell's CSP would refuse it too).
 */

/** Loads nothing, anywhere. */
export const BLOCKED_URL = 'about:invalid#tandem-blocked';

export interface ResourceUrls {
  url(u: string): string;
  /** Every `url(…)` of a piece of CSS. */
  css(text: string): string;
  /** A `srcset`: each candidate's URL. */
  srcset(value: string): string;
}

const CSS_URL = /url\(\s*(['"]?)([^'")]*)\1\s*\)/gi;

export function resourceUrls(origin: string, token: string): ResourceUrls {
  const base = origin || location.origin;
  const url = (u: string): string => {
    let abs: URL;
    try {
      abs = new URL(u, base + '/');
    } catch {
      return u;
    }
    const p = abs.pathname;
    if (abs.protocol !== 'http:' && abs.protocol !== 'https:')
      return abs.protocol === 'data:' || abs.protocol === 'blob:' ? u : BLOCKED_URL;
    if (abs.origin !== base) return BLOCKED_URL;
    if (p.startsWith('/__tandem/r/') || (p.startsWith('/__tandem/') && !p.startsWith('/__tandem/o/'))) return u;
    return `${base}/__tandem/r/${token}${p}${abs.search}${abs.hash}`;
  };
  return {
    url,
    css: (text) => (text.includes('url(') ? text.replace(CSS_URL, (_m, q: string, u: string) => `url(${q}${url(u)}${q})`) : text),
    srcset: (value) =>
      value
        .split(',')
        .map((part) => {
          const t = part.trim();
          const sp = t.search(/\s/);
          return sp < 0 ? url(t) : url(t.slice(0, sp)) + t.slice(sp);
        })
        .join(', '),
  };
}
