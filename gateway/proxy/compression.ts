/**
 * Content codings around the rewriters: what we may ask the origin for, how to decode what it
 * sends, and how to re-encode the rewritten body for the client. Re-encoding runs at fast levels:
 * the body is rewritten on every request, so CPU matters more than the last few percent.
 */

import zlib from 'node:zlib';
import { PassThrough, type Transform } from 'node:stream';

export type Coding = 'gzip' | 'deflate' | 'br';

const DECODABLE: readonly Coding[] = ['br', 'gzip', 'deflate'];

interface Offer {
  coding: string;
  q: number;
}

function parseAccept(header: string | string[] | undefined): Offer[] {
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  const offers: Offer[] = [];
  for (const part of raw.split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (Number.isFinite(q)) offers.push({ coding: name.trim().toLowerCase(), q });
  }
  return offers;
}

function accepts(offers: Offer[], coding: string): boolean {
  const exact = offers.find((o) => o.coding === coding);
  if (exact) return exact.q > 0;
  const star = offers.find((o) => o.coding === '*');
  return star !== undefined && star.q > 0;
}

/**
 * The Accept-Encoding sent to the origin: the client's offer narrowed to what we can decode
 * (so zstd, which browsers offer, never comes back on a body we must rewrite). A client that
 * offers nothing gets nothing: passthrough bodies stream to it as the origin sends them.
 */
export function originAcceptEncoding(clientHeader: string | string[] | undefined): string {
  const offers = parseAccept(clientHeader);
  const kept = DECODABLE.filter((c) => accepts(offers, c));
  return kept.length > 0 ? kept.join(', ') : 'identity';
}

/** The coding to re-encode a rewritten body with, or null for identity. br first: smaller for HTML. */
export function chooseEncoding(clientHeader: string | string[] | undefined): Coding | null {
  const offers = parseAccept(clientHeader);
  if (accepts(offers, 'br')) return 'br';
  if (accepts(offers, 'gzip')) return 'gzip';
  return null;
}

/** A Content-Encoding value we can decode: returns its normalised name, 'identity', or null (unknown). */
export function decodableCoding(header: string | string[] | undefined): Coding | 'identity' | null {
  const raw = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
  if (raw === '' || raw === 'identity') return 'identity';
  if (raw === 'gzip' || raw === 'x-gzip') return 'gzip';
  if (raw === 'deflate') return 'deflate';
  if (raw === 'br') return 'br';
  // Stacked codings (`gzip, br`) and anything else stream through untouched.
  return null;
}

export function decoder(coding: Coding): Transform {
  // Origins that end a body early or pad it should not turn a readable page into an error.
  const lenient = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (coding) {
    case 'gzip':
      return zlib.createGunzip(lenient);
    case 'deflate':
      // Some servers send raw deflate under this name; unzip-style sniffing handles both only
      // for gzip/zlib headers, so raw deflate falls back in the caller's error path.
      return zlib.createInflate(lenient);
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  }
}

export type Encoder = zlib.Gzip | zlib.Deflate | zlib.BrotliCompress;

export function encoder(coding: Coding): Encoder {
  switch (coding) {
    case 'gzip':
      return zlib.createGzip({ level: 3 });
    case 'deflate':
      return zlib.createDeflate({ level: 3 });
    case 'br':
      return zlib.createBrotliCompress({
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_LGWIN]: 20 },
      });
  }
}

/**
 * Passes chunks on to `enc` and flushes it whenever the source pauses: a compressor holds its
 * output until it has a block's worth, which would stall a page whose origin sends the head
 * early and the rest later. Bursts (one origin read after another) are still compressed together.
 */
export function flushWhenIdle(enc: Encoder): Transform {
  let pending: NodeJS.Immediate | null = null;
  return new PassThrough({
    transform(chunk: Buffer, _encoding, cb) {
      if (pending) clearImmediate(pending);
      cb(null, chunk);
      pending = setImmediate(() => {
        pending = null;
        if (!enc.writableEnded && !enc.destroyed) enc.flush();
      });
    },
    flush(cb) {
      if (pending) clearImmediate(pending);
      pending = null;
      cb();
    },
  });
}
