/**
 * Content-Security-Policy adjustment (header and `<meta http-equiv>`), and the safety-net policy.
 *
 * adjustPolicy(policy, opts) → { policy, nonce }:
 *   - sources naming the primary or an allowed origin become 'self' (the gateway serves them);
 *     wildcards that cover one keep their place and gain 'self';
 *   - report-uri / report-to are removed (the origin gets no reports about the gateway);
 *   - frame-ancestors becomes 'self' (the shell frames the page; meta policies ignore it anyway);
 *   - upgrade-insecure-requests / block-all-mixed-content are removed when the gateway is http;
 *   - the hooks' <script src> must pass the directive that governs script elements
 *     (script-src-elem, else script-src, else default-src). If that list has a nonce, the hooks
 *     tag reuses it (nonce returned); with 'strict-dynamic' and no nonce, a fresh nonce is added
 *     (opts.newNonce) and returned; otherwise 'self' is added ('none' is replaced by it). A nonce
 *     is never added to a list that has none and no 'strict-dynamic': it would switch off the
 *     page's 'unsafe-inline'.
 * safetyNetPolicy() → the policy naming only the gateway, reporting to /__tandem/csp-report:
 *   'unsafe-inline' and 'unsafe-eval' are in it so that it reports URLs, never inline code.
 */

import type { OriginMap } from '../../protocol/url-map.js';

export interface CspOptions {
  readonly map: OriginMap;
  readonly gatewayHttps: boolean;
  /**
   * Whether this policy must admit the hooks' <script src>: true for an enforced header policy
   * of a page that gets the hooks; false for <meta> policies (they come after the hooks' tag, so
   * they cannot block it) and report-only ones.
   */
  readonly hooks: boolean;
  /** A nonce to reuse when one was already chosen for this response (several policies). */
  readonly nonce?: string | null;
  readonly newNonce?: () => string;
}

export interface AdjustedPolicy {
  readonly policy: string;
  /** The nonce the hooks' tag must carry, or null. */
  readonly nonce: string | null;
}

export const CSP_REPORT_PATH = '/__tandem/csp-report';

export function safetyNetPolicy(): string {
  return `default-src 'self' data: blob: 'unsafe-inline' 'unsafe-eval'; form-action 'self'; report-uri ${CSP_REPORT_PATH}`;
}

const NONCE = /^'nonce-([A-Za-z0-9+/_=-]+)'$/;

export function adjustPolicy(policy: string, opts: CspOptions): AdjustedPolicy {
  const directives: [string, string[]][] = [];
  const seen = new Set<string>();
  for (const part of policy.split(';')) {
    const tokens = part
      .trim()
      .split(/[ \t\n\f\r]+/)
      .filter(Boolean);
    if (tokens.length === 0) continue;
    const name = tokens[0].toLowerCase();
    if (seen.has(name)) continue; // browsers ignore repeated directives
    seen.add(name);
    if (name === 'report-uri' || name === 'report-to') continue;
    if (!opts.gatewayHttps && (name === 'upgrade-insecure-requests' || name === 'block-all-mixed-content')) continue;
    if (name === 'frame-ancestors') {
      directives.push([name, ["'self'"]]);
      continue;
    }
    directives.push([name, mapSources(tokens.slice(1), opts.map)]);
  }

  let nonce: string | null = null;
  if (opts.hooks) {
    const governing =
      directives.find(([n]) => n === 'script-src-elem') ??
      directives.find(([n]) => n === 'script-src') ??
      directives.find(([n]) => n === 'default-src');
    if (governing) nonce = admitHooks(governing[1], opts);
  }
  return { policy: directives.map(([n, v]) => (v.length ? `${n} ${v.join(' ')}` : n)).join('; '), nonce };
}

function admitHooks(list: string[], opts: CspOptions): string | null {
  for (const s of list) {
    const m = NONCE.exec(s);
    if (m) return m[1];
  }
  const lower = list.map((s) => s.toLowerCase());
  if (lower.includes("'strict-dynamic'")) {
    const nonce = opts.nonce ?? opts.newNonce?.() ?? null;
    if (nonce) list.push(`'nonce-${nonce}'`);
    return nonce;
  }
  const none = lower.indexOf("'none'");
  if (none >= 0) list.splice(none, 1);
  if (!lower.includes("'self'") && !lower.includes('*')) list.push("'self'");
  return null;
}

/** Replaces sources that name a configured origin by 'self'. */
function mapSources(sources: string[], map: OriginMap): string[] {
  const out: string[] = [];
  let self = false;
  for (const s of sources) {
    const hit = matchesConfigured(s, map);
    if (hit === 'exact') {
      self = true;
      continue;
    }
    if (hit === 'wildcard') self = true;
    if (s.toLowerCase() === "'self'") {
      self = true;
      continue;
    }
    out.push(s);
  }
  if (self) {
    const none = out.findIndex((s) => s.toLowerCase() === "'none'");
    if (none >= 0) out.splice(none, 1);
    out.unshift("'self'");
  }
  return out;
}

const HOST_SOURCE = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d+|\*))?(?:\/.*)?$/i;

function matchesConfigured(source: string, map: OriginMap): 'exact' | 'wildcard' | null {
  if (source.startsWith("'")) return null;
  const m = HOST_SOURCE.exec(source);
  if (!m) return null;
  const scheme = m[1]?.toLowerCase();
  const wildcard = m[2] !== undefined;
  const host = m[3].toLowerCase();
  const port = m[4];
  let result: 'exact' | 'wildcard' | null = null;
  for (const origin of [map.primary, ...map.allowed]) {
    const sep = origin.indexOf('://');
    const oScheme = origin.slice(0, sep);
    const hostPort = origin.slice(sep + 3);
    const colon = hostPort.lastIndexOf(':');
    const hasPort = colon > hostPort.lastIndexOf(']');
    const oHost = hasPort ? hostPort.slice(0, colon) : hostPort;
    const oPort = hasPort ? hostPort.slice(colon + 1) : oScheme === 'https' ? '443' : '80';
    if (
      scheme &&
      scheme !== oScheme &&
      !(scheme === 'http' && oScheme === 'https') &&
      !(scheme === 'ws' && oScheme === 'http') &&
      !(scheme === 'wss' && oScheme === 'https')
    )
      continue;
    // No port in a source means the scheme's default port (configured origins carry only non-default ones).
    if (port === undefined ? hasPort : port !== '*' && port !== oPort) continue;
    if (wildcard) {
      if (oHost.endsWith('.' + host)) result = 'wildcard';
    } else if (oHost === host) {
      // A path-restricted source is looser than 'self' only on paths: 'self' is close enough.
      return port === '*' ? 'wildcard' : 'exact';
    }
  }
  return result;
}
