/**
 * The op vocabulary: what each op means to the store (compaction), to the hub (who may send
 * it) and to the browser (how often it may be sent), and a validator for its data.
 * Commands are data: nothing here, nor anywhere that receives them, evaluates them as code.
 */

import { MAX_KEY_LENGTH } from './limits.js';
import { isGatewayPath, validateAct, validateChunk } from './mirror.js';

export type Op =
  | 'nav'
  | 'scroll'
  | 'resize'
  | 'input'
  | 'focus'
  | 'click'
  | 'submit'
  | 'pointer'
  | 'ink'
  | 'ink-clear'
  | 'control'
  | 'snapshot'
  | 'dom'
  | 'act';

export interface OpSpec {
  /** Kept as the latest command of its key in the compacted state (replayed to late joiners). */
  readonly compact: boolean;
  /** Storing it retires every compacted key below its own (a frame's nav, an ink clear). */
  readonly retiresBelow: boolean;
  /** An operator may send it only while holding control (TANDEM_OPERATOR_CONTROL). */
  readonly needsControl: boolean;
  /** Only the customer may send it. */
  readonly customerOnly: boolean;
  /** Highest rate the browser sends it at, per key (0: as it happens, never coalesced). */
  readonly rateHz: number;
  /** null when `d` is well-formed, else what is wrong. */
  readonly validate: (d: unknown) => string | null;
}

type Data = Record<string, unknown>;

const isObject = (d: unknown): d is Data => typeof d === 'object' && d !== null && !Array.isArray(d);
const isCoord = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && Math.abs(n) < 1e7;
const isShortString = (s: unknown, max = 8192): s is string => typeof s === 'string' && s.length <= max;

function object(check: (d: Data) => string | null): (d: unknown) => string | null {
  return (d) => (isObject(d) ? check(d) : 'data must be an object');
}

function xy(d: Data): string | null {
  return isCoord(d.x) && isCoord(d.y) ? null : 'x and y must be finite numbers';
}

const MAX_INK_POINTS = 2000;
const MAX_VALUE_LENGTH = 32 * 1024;

export const OPS: Readonly<Record<Op, OpSpec>> = {
  nav: {
    compact: true,
    retiresBelow: true,
    needsControl: true,
    customerOnly: false,
    rateHz: 0,
    validate: object((d) => {
      if (!isGatewayPath(d.url)) return 'url must be a path on the gateway';
      if (d.kept !== undefined && !isShortString(d.kept, 128)) return 'kept must be a string';
      if (d.title !== undefined && !isShortString(d.title, 1024)) return 'title must be a string';
      return null;
    }),
  },
  scroll: { compact: true, retiresBelow: false, needsControl: true, customerOnly: false, rateHz: 30, validate: object(xy) },
  resize: {
    compact: true,
    retiresBelow: false,
    needsControl: false,
    customerOnly: true,
    rateHz: 10,
    validate: object((d) => (isCoord(d.w) && isCoord(d.h) && d.w > 0 && d.h > 0 ? null : 'w and h must be positive numbers')),
  },
  input: {
    compact: true,
    retiresBelow: false,
    needsControl: true,
    customerOnly: false,
    rateHz: 0,
    validate: object((d) => {
      const v = d.value;
      if (typeof v === 'boolean') return null;
      if (isShortString(v, MAX_VALUE_LENGTH)) return null;
      if (Array.isArray(v) && v.length <= 1000 && v.every((s) => isShortString(s, 1024))) return null;
      return 'value must be a string, a boolean or an array of strings';
    }),
  },
  focus: {
    compact: true,
    retiresBelow: false,
    needsControl: false,
    customerOnly: false,
    rateHz: 0,
    validate: object((d) => (d.el === null || isShortString(d.el, MAX_KEY_LENGTH) ? null : 'el must be a key or null')),
  },
  click: {
    compact: false,
    retiresBelow: false,
    needsControl: true,
    customerOnly: false,
    rateHz: 0,
    validate: object((d) => {
      if (!isShortString(d.el, MAX_KEY_LENGTH)) return 'el must be an element key';
      if (d.type !== undefined && !CLICK_TYPES.has(d.type as string)) return 'type is not a known event type';
      if ((d.x !== undefined || d.y !== undefined) && xy(d) !== null) return xy(d);
      return null;
    }),
  },
  submit: {
    compact: false,
    retiresBelow: false,
    needsControl: true,
    customerOnly: false,
    rateHz: 0,
    validate: object((d) => (isShortString(d.el, MAX_KEY_LENGTH) ? null : 'el must be a form key')),
  },
  pointer: { compact: true, retiresBelow: false, needsControl: false, customerOnly: false, rateHz: 30, validate: object(xy) },
  ink: {
    compact: true,
    retiresBelow: false,
    needsControl: false,
    customerOnly: false,
    rateHz: 20,
    validate: object((d) => {
      const p = d.points;
      if (!Array.isArray(p) || p.length === 0 || p.length > MAX_INK_POINTS) {
        return `points must be an array of 1 to ${MAX_INK_POINTS} [x, y] pairs`;
      }
      for (const pt of p) {
        if (!Array.isArray(pt) || pt.length !== 2 || !isCoord(pt[0]) || !isCoord(pt[1])) return 'each point must be [x, y]';
      }
      if (!isShortString(d.color, 32) || !/^#[0-9a-fA-F]{3,8}$/.test(d.color)) return 'color must be a #hex colour';
      return null;
    }),
  },
  'ink-clear': {
    compact: true,
    retiresBelow: true,
    needsControl: false,
    customerOnly: false,
    rateHz: 0,
    validate: object(() => null),
  },
  /** A frame's document as the customer's browser has it: a chunk of its full snapshot. */
  snapshot: { compact: true, retiresBelow: true, needsControl: false, customerOnly: true, rateHz: 0, validate: validateChunk },
  /** A chunk of the changes to that document since its snapshot (mutations, values, scroll…). */
  dom: { compact: true, retiresBelow: false, needsControl: false, customerOnly: true, rateHz: 0, validate: validateChunk },
  /** An operator's action in the mirror, carried out by the customer's browser. */
  act: { compact: false, retiresBelow: false, needsControl: true, customerOnly: false, rateHz: 0, validate: validateAct },
  control: {
    compact: true,
    retiresBelow: false,
    needsControl: false,
    customerOnly: true,
    rateHz: 0,
    validate: object((d) => (typeof d.granted === 'boolean' ? null : 'granted must be a boolean')),
  },
};

export const CLICK_TYPES: ReadonlySet<string> = new Set([
  'click',
  'dblclick',
  'contextmenu',
  'mousedown',
  'mouseup',
  'pointerdown',
  'pointerup',
]);

export function isOp(op: unknown): op is Op {
  return typeof op === 'string' && Object.prototype.hasOwnProperty.call(OPS, op);
}
