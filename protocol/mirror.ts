/**
 * The mirror's vocabulary: how the customer's recorded document travels (snapshots and changes,
 * in chunks that fit a hub frame) and what an operator's action in the mirror says. Shared by the
 * recorder (customer's hooks), the shell on both sides and the hub's validation.
 *
 * Keys: a frame's snapshot is logged at `<frame>/dom` (first chunk) and `<frame>/dom/<sid>/s<i>`
 * (further chunks); its changes at `<frame>/dom/<sid>/<n>`. A snapshot's first chunk retires every
 * key below `<frame>/dom`, so the compacted state holds the latest snapshot and what came after.
 * Operators' actions go to `<frame>/act` and are not kept for late joiners.
 */

/** Characters of serialized events per chunk: one command stays well under the hub's 64 KiB. */
export const CHUNK_CHARS = 40 * 1024;

/** A snapshot id (one id space of node ids) is short and plain. */
const SID = /^[a-z0-9]{1,16}$/;

export interface Chunk {
  /** The snapshot (id space) these events belong to. */
  sid: string;
  /** Which piece, of how many: the pieces joined give one JSON array of events. */
  i: number;
  n: number;
  part: string;
}

/** Splits one JSON text into chunks of at most CHUNK_CHARS characters. */
export function chunksOf(sid: string, json: string): Chunk[] {
  const n = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
  const out: Chunk[] = [];
  for (let i = 0; i < n; i++) out.push({ sid, i, n, part: json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS) });
  return out;
}

/** Longest run of chunks one batch may span (a 40 MB document). */
export const MAX_CHUNKS = 1000;

export function validateChunk(d: unknown): string | null {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'data must be an object';
  const c = d as Record<string, unknown>;
  if (typeof c.sid !== 'string' || !SID.test(c.sid)) return 'sid must be 1 to 16 lowercase letters or digits';
  if (!Number.isInteger(c.n) || (c.n as number) < 1 || (c.n as number) > MAX_CHUNKS) return `n must be an integer from 1 to ${MAX_CHUNKS}`;
  if (!Number.isInteger(c.i) || (c.i as number) < 0 || (c.i as number) >= (c.n as number)) return 'i must be an integer below n';
  if (typeof c.part !== 'string' || c.part.length > CHUNK_CHARS) return `part must be a string of at most ${CHUNK_CHARS} characters`;
  return null;
}

/** Modifier keys held during an action. */
export interface Mods {
  alt?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

/** A caret or selection in the mirror: text offsets in nodes named by id, or a field's range. */
export interface Selection {
  anchor: number;
  anchorOffset: number;
  focus: number;
  focusOffset: number;
}

/**
 * What an operator did in the mirror. `id` names the node in the snapshot `sid`; coordinates are
 * CSS pixels relative to that node's box (`ox`, `oy`) or to the frame's viewport (`x`, `y`).
 */
export type Act =
  | { type: 'click' | 'dblclick' | 'contextmenu'; sid: string; id: number; ox: number; oy: number; mods?: Mods; sel?: Selection }
  | { type: 'key'; sid: string; id: number; key: string; code: string; mods?: Mods; field?: [number, number]; sel?: Selection }
  | { type: 'text'; sid: string; id: number; text: string; field?: [number, number]; sel?: Selection }
  | { type: 'value'; sid: string; id: number; value: string | boolean | string[] }
  | { type: 'scroll'; sid: string; id: number; x: number; y: number }
  | { type: 'drag'; sid: string; id: number; path: [number, number][]; mods?: Mods }
  | { type: 'goto'; url: string };

export const ACT_TYPES: ReadonlySet<string> = new Set([
  'click',
  'dblclick',
  'contextmenu',
  'key',
  'text',
  'value',
  'scroll',
  'drag',
  'goto',
]);

const MAX_DRAG_POINTS = 500;
const isNum = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && Math.abs(n) < 1e7;
const isId = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 2 ** 31;

function validSelection(s: unknown): boolean {
  if (s === undefined) return true;
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  return isId(o.anchor) && isId(o.focus) && isId(o.anchorOffset) && isId(o.focusOffset);
}

function validRange(r: unknown): boolean {
  return r === undefined || (Array.isArray(r) && r.length === 2 && isId(r[0]) && isId(r[1]));
}

/**
 * Whether a gateway address an operator may send the customer to: a path on the gateway
 * (`/…`, never `//host`, never a scheme), without control characters.
 */
export function isGatewayPath(url: unknown): url is string {
  return (
    typeof url === 'string' &&
    url.length > 0 &&
    url.length <= 8192 &&
    url[0] === '/' &&
    url[1] !== '/' &&
    url[1] !== '\\' &&
    !/[\u0000-\u001f\u007f]/.test(url)
  );
}

export function validateAct(d: unknown): string | null {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'data must be an object';
  const a = d as Record<string, unknown>;
  if (typeof a.type !== 'string' || !ACT_TYPES.has(a.type)) return 'type is not a known action';
  if (a.type === 'goto') return isGatewayPath(a.url) ? null : 'url must be a path on the gateway';
  if (typeof a.sid !== 'string' || !SID.test(a.sid)) return 'sid must name a snapshot';
  if (!isId(a.id)) return 'id must be a node id';
  if (!validSelection(a.sel)) return 'sel must be a selection';
  switch (a.type) {
    case 'click':
    case 'dblclick':
    case 'contextmenu':
      return isNum(a.ox) && isNum(a.oy) ? null : 'ox and oy must be finite numbers';
    case 'key':
      if (typeof a.key !== 'string' || a.key.length === 0 || a.key.length > 32) return 'key must be a key name';
      if (typeof a.code !== 'string' || a.code.length > 32) return 'code must be a key code';
      return validRange(a.field) ? null : 'field must be [start, end]';
    case 'text':
      if (typeof a.text !== 'string' || a.text.length === 0 || a.text.length > 32 * 1024) return 'text must be a non-empty string';
      return validRange(a.field) ? null : 'field must be [start, end]';
    case 'value': {
      const v = a.value;
      if (typeof v === 'boolean' || (typeof v === 'string' && v.length <= 32 * 1024)) return null;
      if (Array.isArray(v) && v.length <= 1000 && v.every((s) => typeof s === 'string' && s.length <= 1024)) return null;
      return 'value must be a string, a boolean or an array of strings';
    }
    case 'scroll':
      return isNum(a.x) && isNum(a.y) ? null : 'x and y must be finite numbers';
    case 'drag': {
      const p = a.path;
      if (!Array.isArray(p) || p.length < 2 || p.length > MAX_DRAG_POINTS) return `path must hold 2 to ${MAX_DRAG_POINTS} points`;
      return p.every((pt) => Array.isArray(pt) && pt.length === 2 && isNum(pt[0]) && isNum(pt[1])) ? null : 'each point must be [x, y]';
    }
  }
  return null;
}
