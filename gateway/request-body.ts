/**
 * Reading a request body that Tandem answers itself (the API, CSP reports): bounded in size and
 * in time. A client that sends its body slowly, or never finishes it, gets a JSON error within
 * the bound and the connection is closed, so it cannot hold a socket (and a pending handler)
 * open for as long as it likes.
 */

import type { IncomingMessage } from 'node:http';
import { TandemError } from './errors.js';

/** How long an API body may take to arrive whole: a few KiB take well under a second on any real network. */
export const BODY_TIMEOUT_MS = 10_000;

export interface BodyLimits {
  maxBytes: number;
  timeoutMs?: number;
}

/**
 * The whole body, or a TandemError: TANDEM_ERR_TOO_LARGE past `maxBytes`,
 * TANDEM_ERR_REQUEST_TIMEOUT when it is not complete within `timeoutMs`. After an error the rest
 * of the body is not read; answer with `connection: close` (see closesConnection).
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const timeoutMs = limits.timeoutMs ?? BODY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: Error | null) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return done(new TandemError('TANDEM_ERR_TOO_LARGE', `the body is over ${limits.maxBytes} bytes`));
      chunks.push(chunk);
    };
    const onEnd = () => done(null);
    const onError = (err: Error) => done(err);
    const timer = setTimeout(
      () => done(new TandemError('TANDEM_ERR_REQUEST_TIMEOUT', `the body did not arrive within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limits.maxBytes) return done(new TandemError('TANDEM_ERR_TOO_LARGE', `the body is over ${limits.maxBytes} bytes`));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Whether an error left a body unread, so the answer must close the connection. */
export function closesConnection(code: string): boolean {
  return code === 'TANDEM_ERR_TOO_LARGE' || code === 'TANDEM_ERR_REQUEST_TIMEOUT';
}
