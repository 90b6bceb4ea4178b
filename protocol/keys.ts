/**
 * The key scheme. A key is `/`-separated and starts with the frame path of the page it belongs
 * to (`top`, `top/1`, `top/1/2`), then the part: `top/scroll`, `top/scroll/<el>`,
 * `top/form/0/email`, `top/pointer/<participant>`, `top/ink/<participant>/<n>`.
 * Session-wide state that no page owns lives under `session/` (`session/control`).
 * Each segment is URI-component encoded, so ids and names may hold any character.
 */

export const TOP_FRAME = 'top';
export const SESSION_ROOT = 'session';

const FRAME_SEGMENT = /^\d+$/;

export function joinKey(...segments: (string | number)[]): string {
  return segments.map((s) => encodeURIComponent(String(s))).join('/');
}

export function splitKey(key: string): string[] {
  return key.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

/** The frame path a key belongs to: `top/1/form/0/a` → `top/1`; a `session/…` key → null. */
export function frameOfKey(key: string): string | null {
  const parts = key.split('/');
  if (parts[0] !== TOP_FRAME) return null;
  let end = 1;
  while (end < parts.length && FRAME_SEGMENT.test(parts[end])) end++;
  return parts.slice(0, end).join('/');
}

/** A child frame's path: `childFrame('top', 2)` → `top/2`. */
export function childFrame(parent: string, index: number): string {
  return `${parent}/${index}`;
}

/** True when `key` lies strictly below `prefix` in the hierarchy. */
export function isBelow(key: string, prefix: string): boolean {
  return key.length > prefix.length && key.startsWith(prefix) && key[prefix.length] === '/';
}

export function isValidKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) return false;
  const root = key.split('/', 1)[0];
  if (root !== TOP_FRAME && root !== SESSION_ROOT) return false;
  return !key.split('/').some((s) => s.length === 0);
}
