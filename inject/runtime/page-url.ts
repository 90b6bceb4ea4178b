/**
 * The page's view of the URL mapping: the REAL base URL of this document (its gateway URL
 * unmapped, `<base href>` included) and the gateway URL to use for a URL a script hands over.
 */

import { mapUrl, unmapPath, type MapKind, type OriginMap } from '../../protocol/url-map.js';
import { native } from '../native.js';

export interface PageUrls {
  readonly map: OriginMap;
  /** The real URL that relative URLs of this document resolve against. */
  realBase(): string;
  /** The real URL of this document (what the origin served). */
  realLocation(): string;
  /** The URL to use instead of `url` (mapped, or `url` itself), and what kind it was. */
  toGateway(url: string): { kind: MapKind; url: string };
  /** A WebSocket URL: mapped ones become absolute ws(s) URLs of the gateway. */
  toGatewaySocket(url: string): string;
}

export function createPageUrls(map: OriginMap, doc: Document, loc: Location): PageUrls {
  let cachedFor = '';
  let cachedReal = '';

  const unmapAbsolute = (gatewayUrl: string): string => {
    try {
      const u = new native.URL(gatewayUrl);
      if (u.origin !== loc.origin) return gatewayUrl;
      const real = unmapPath(u.pathname + u.search, map);
      return real === null ? gatewayUrl : real + u.hash;
    } catch {
      return gatewayUrl;
    }
  };

  const realBase = (): string => {
    const b = native.baseURI ? native.baseURI.call(doc) : doc.baseURI;
    if (b !== cachedFor) {
      cachedFor = b;
      cachedReal = unmapAbsolute(b);
    }
    return cachedReal;
  };

  const toGateway = (url: string): { kind: MapKind; url: string } => {
    // URLs the page read back from the DOM or location already point at the gateway.
    const own = loc.origin;
    if (url.startsWith(own) && (url.length === own.length || '/?#'.includes(url.charAt(own.length)))) return { kind: 'same', url };
    return mapUrl(url, realBase(), map);
  };

  return {
    map,
    realBase,
    realLocation: () => unmapAbsolute(native.locationHref()),
    toGateway,
    toGatewaySocket(url: string): string {
      const r = toGateway(url);
      if (r.kind !== 'mapped') return url;
      return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${r.url}`;
    },
  };
}
