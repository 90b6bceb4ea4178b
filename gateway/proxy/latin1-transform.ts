/**
 * The stream around a push-style rewriter (HTML, CSS). The rewriters work on latin1 strings:
 * one char per byte, so a chunk may end anywhere, inside a UTF-8 sequence or an invalid byte,
 * and every byte they do not change comes out as it went in.
 */

import { Transform, type TransformCallback } from 'node:stream';

export interface PushRewriter {
  /** Rewrites what it can of `chunk` (latin1) and returns it; keeps an unfinished tail. */
  write(chunk: string): string;
  /** Returns whatever is left. */
  end(): string;
}

export function latin1Transform(rewriter: PushRewriter): Transform {
  const emit = (cb: TransformCallback, produce: () => string): void => {
    try {
      const out = produce();
      cb(null, out.length ? Buffer.from(out, 'latin1') : undefined);
    } catch (err) {
      cb(err as Error);
    }
  };
  return new Transform({
    transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      emit(cb, () => rewriter.write(bytes.toString('latin1')));
    },
    flush(cb: TransformCallback) {
      emit(cb, () => rewriter.end());
    },
  });
}
