/**
 * Who is asking, by address: the client's address for rate limits and the hub's connection
 * caps, and whether the browser reached us over https. A load balancer in front of the gateway
 * says both in X-Forwarded-For and X-Forwarded-Proto; those headers are believed only from the
 * peers listed in TANDEM_TRUSTED_PROXIES (addresses or CIDR ranges). From any other peer they
 * are anyone's to forge, and the peer's own address is the client's.
 */

import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** `10.0.0.0/8`, `::1`, `192.0.2.7` → a normalised entry; throws an Error saying what is wrong. */
export function parseTrustedProxy(raw: string): string {
  const entry = raw.trim();
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw new Error(`must be comma-separated IP addresses or CIDR ranges, got ${JSON.stringify(raw)}`);
  if (slash < 0) return address;
  const prefix = entry.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) throw new Error(`${JSON.stringify(raw)}: the prefix length must be 0 to ${max}`);
  return `${address}/${Number(prefix)}`;
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/** The addresses whose forwarding headers are believed. */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  constructor(entries: readonly string[]) {
    this.#empty = entries.length === 0;
    for (const e of entries) {
      const [address, prefix] = e.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, Number(prefix), type);
    }
  }

  trusts(address: string | undefined): boolean {
    if (this.#empty || !address) return false;
    const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    const family = isIP(plain);
    if (family === 0) return false;
    return this.#list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The client's address: the peer's, unless the peer is a trusted proxy; then X-Forwarded-For
   * is read from its end (the hop nearest us) back past every trusted proxy, and the first
   * address that is not one is the client. Entries further left were written by the client.
   */
  clientAddress(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? 'unknown';
    if (!this.trusts(peer)) return peer;
    const hops = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      if (isIP(hops[i]) === 0) break;
      client = hops[i];
      if (!this.trusts(client)) break;
    }
    return client;
  }

  /** The X-Forwarded-For chain to pass on: the client's own part only when a trusted proxy gave it. */
  forwardedFor(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? '';
    const given = req.headers['x-forwarded-for'];
    return given && this.trusts(peer) ? `${String(given)}, ${peer}` : peer;
  }

  /** Whether a trusted proxy says the browser reached it over https. */
  forwardedHttps(req: IncomingMessage): boolean {
    if (!this.trusts(req.socket.remoteAddress)) return false;
    const proto = String(req.headers['x-forwarded-proto'] ?? '')
      .split(',')[0]
      .trim()
      .toLowerCase();
    return proto === 'https';
  }
}

const byList = new WeakMap<readonly string[], TrustedProxies>();

/** The TrustedProxies of a configuration's (frozen) list, built once. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  let t = byList.get(entries);
  if (!t) byList.set(entries, (t = new TrustedProxies(entries)));
  return t;
}
