/** The little HTTP the demo bank needs without a framework: bodies, forms, cookies, compression. */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

export class BodyTooLarge extends Error {}

/** Reads the whole body, refusing anything past `limit` bytes so a hostile client cannot fill memory. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A submitted form: every name keeps all its values (checkbox groups, multiple selects). */
export class FormData {
  private readonly values = new Map<string, string[]>();
  readonly files = new Map<string, { filename: string; size: number; type: string }>();

  add(name: string, value: string): void {
    const list = this.values.get(name);
    if (list) list.push(value);
    else this.values.set(name, [value]);
  }
  get(name: string): string {
    return this.values.get(name)?.[0] ?? '';
  }
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }
}

/** Parses `application/x-www-form-urlencoded` or `multipart/form-data`, by the request's content type. */
export async function readForm(req: IncomingMessage, limit: number): Promise<FormData> {
  const body = await readBody(req, limit);
  const type = req.headers['content-type'] ?? '';
  const form = new FormData();
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (boundary) {
    parseMultipart(body, boundary, form);
  } else {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) form.add(k, v);
  }
  return form;
}

function parseMultipart(body: Buffer, boundary: string, form: FormData): void {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    // `--boundary--` closes the body.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) return;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd < 0) return;
    const next = body.indexOf(delimiter, headerEnd);
    if (next < 0) return;
    const headers = body.subarray(start, headerEnd).toString('utf8');
    // The part's content ends with the CRLF that precedes the next delimiter.
    const content = body.subarray(headerEnd + 4, next - 2);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name !== undefined) {
      if (filename !== undefined) {
        const contentType = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1] ?? 'application/octet-stream';
        if (filename) form.files.set(name, { filename, size: content.length, type: contentType });
      } else {
        form.add(name, content.toString('utf8'));
      }
    }
    pos = next;
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      cookies.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // A malformed cookie from some other site on the same host is not ours to fail on.
    }
  }
  return cookies;
}

/**
 * Sends a body, gzipped when the client accepts it and the type is worth compressing, so the
 * gateway meets compressed origin responses the way it would in front of a real site.
 */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string | string[]> = {},
): void {
  let payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const out: Record<string, string | string[] | number> = { 'content-type': type, vary: 'Accept-Encoding', ...headers };
  if (payload.length > 256 && /text|javascript|json|svg/.test(type) && acceptsGzip(req)) {
    payload = gzipSync(payload);
    out['content-encoding'] = 'gzip';
  }
  out['content-length'] = payload.length;
  res.writeHead(status, out);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

function acceptsGzip(req: IncomingMessage): boolean {
  const header = String(req.headers['accept-encoding'] ?? '');
  return header.split(',').some((enc) => {
    const [name, ...params] = enc.trim().split(';');
    if (name.trim().toLowerCase() !== 'gzip') return false;
    const q = params.find((p) => p.trim().startsWith('q='));
    return !q || Number(q.trim().slice(2)) > 0;
  });
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}, status = 303): void {
  res.writeHead(status, { location, 'content-length': 0, ...headers });
  res.end();
}

/** Only same-site paths are honoured after login, so `next` cannot send a user to another site. */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/account';
  return raw;
}
