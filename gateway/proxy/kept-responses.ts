/**
 * Kept POST responses (CONTRACT 5): a form submitted by one participant reaches the origin once;
 * the gateway keeps the (rewritten) response it got, and the other participants load that copy
 * with `?__tandem_kept=<id>` instead of repeating the POST.
 *
 * A kept response is announced in the store as soon as the POST's answer starts (a small
 * placeholder naming the session), and replaced by the full copy when the body ends. A request
 * for it therefore learns at once whether the id exists and belongs to its session, and waits
 * briefly for the body when it arrives before the copy is complete.
 */

import type { IncomingMessage } from 'node:http';
import type { Directory } from '../../store/directory.js';
import { newId } from '../hub/tokens.js';

export const KEPT_PARAM = '__tandem_kept';

/** Larger responses are not kept: the others get a 404 and their hooks fall back to a GET. */
export const MAX_KEPT_BYTES = 8 * 1024 * 1024;
/** How long a placeholder may wait for its body before it counts as lost. */
const PENDING_TTL_MS = 60_000;
const WAIT_MS = 5_000;
const POLL_MS = 50;

export interface KeptMeta {
  session: string;
  status: number;
  /** The response headers worth repeating (content-type, content-language). */
  headers: Record<string, string>;
  /** The real URL that answered the POST. */
  url: string;
}

export interface KeptResponse extends KeptMeta {
  body: Buffer;
}

export type KeptLookup = { kind: 'found'; response: KeptResponse } | { kind: 'missing' } | { kind: 'other-session' };

/** A top-level-or-frame form submission: the only POSTs whose answer the others need to see. */
export function isFormSubmission(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const dest = req.headers['sec-fetch-dest'];
  return req.headers['sec-fetch-mode'] === 'navigate' && (dest === 'iframe' || dest === 'document' || dest === 'frame');
}

/** The kept id asked for by a GET, or null. */
export function keptIdOf(pathAndQuery: string): string | null {
  const q = pathAndQuery.indexOf('?');
  if (q < 0) return null;
  const id = new URLSearchParams(pathAndQuery.slice(q + 1)).get(KEPT_PARAM);
  return id && /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : null;
}

function keyOf(id: string): string {
  return `kept:${id}`;
}

/** [4-byte meta length][meta JSON][body]; a placeholder has `pending` in its meta and no body. */
function encode(meta: KeptMeta & { pending?: true }, body: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(json.length);
  return Buffer.concat([head, json, body]);
}

function decode(blob: Buffer): (KeptResponse & { pending?: true }) | null {
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (4 + len > blob.length) return null;
  try {
    const meta = JSON.parse(blob.subarray(4, 4 + len).toString('utf8')) as KeptMeta & { pending?: true };
    return { ...meta, body: blob.subarray(4 + len) };
  } catch {
    return null;
  }
}

/** Collects one response body while it streams to the submitter. */
export class KeptRecorder {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  #overflow = false;

  constructor(
    private readonly store: KeptResponses,
    readonly id: string,
    private readonly meta: KeptMeta,
  ) {}

  add(chunk: Buffer): void {
    if (this.#overflow) return;
    this.#bytes += chunk.length;
    if (this.#bytes > MAX_KEPT_BYTES) {
      this.#overflow = true;
      this.#chunks.length = 0;
      return;
    }
    this.#chunks.push(chunk);
  }

  /** The body ended: store the copy (or forget the id if it grew too large). */
  async finish(): Promise<void> {
    if (this.#overflow) return this.store.forget(this.id);
    await this.store.save(this.id, this.meta, Buffer.concat(this.#chunks));
  }

  /** The body failed half-way: the copy would be a lie, so none is kept. */
  async abort(): Promise<void> {
    await this.store.forget(this.id);
  }
}

export class KeptResponses {
  constructor(
    private readonly directory: Directory,
    private readonly ttlMs: number,
  ) {}

  /** Announces a new kept response for `meta.session`; returns its recorder (id in `.id`). */
  async start(meta: KeptMeta): Promise<KeptRecorder> {
    const id = newId(12);
    await this.directory.blobSet(keyOf(id), encode({ ...meta, pending: true }, Buffer.alloc(0)), PENDING_TTL_MS);
    return new KeptRecorder(this, id, meta);
  }

  async save(id: string, meta: KeptMeta, body: Buffer): Promise<void> {
    await this.directory.blobSet(keyOf(id), encode(meta, body), this.ttlMs);
  }

  async forget(id: string): Promise<void> {
    // A zero-length blob decodes to nothing: the id reads as missing from then on.
    await this.directory.blobSet(keyOf(id), Buffer.alloc(0), PENDING_TTL_MS);
  }

  /** The kept response `id` for a participant of `session`, waiting briefly for one in progress. */
  async lookup(id: string, session: string): Promise<KeptLookup> {
    const until = Date.now() + WAIT_MS;
    for (;;) {
      const blob = await this.directory.blobGet(keyOf(id));
      const kept = blob && decode(blob);
      if (!kept) return { kind: 'missing' };
      if (kept.session !== session) return { kind: 'other-session' };
      if (!kept.pending) return { kind: 'found', response: kept };
      if (Date.now() > until) return { kind: 'missing' };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
