/**
 * A logged command read from a Redis publication line without parsing its data. The line is
 *   {"s":<session>,"e":"<epoch>","c":{"seq":N,"t":T,"a":"<audience>","k":…,"op":…[,"d":…],"by":…}}
 * (store/redis-scripts.ts writes it; the replica that appended wrote everything after `"t":T,`
 * with JSON.stringify). seq, t, a, k, op and by are read from the line; `wire`, the client's
 * form `{"seq","k","op","d","by","t"}`, is cut from it; `d` is parsed only when someone asks.
 * `wire` is byte for byte what JSON.stringify of the parsed command writes (serializeCommand):
 * re-serialising a JSON.stringify output gives it back unchanged. So every delivery of a 20 KB
 * DOM change costs a copy, not a parse, a deep freeze and a stringify.
 */

import type { Audience, LoggedCommand } from '../protocol/messages.js';
import { deepFreeze } from './frozen.js';

const UNPARSED = Symbol('unparsed');

export class WireCommand implements LoggedCommand {
  #d: unknown = UNPARSED;

  constructor(
    readonly seq: number,
    readonly t: number,
    readonly a: Audience,
    readonly k: string,
    readonly op: LoggedCommand['op'],
    readonly by: string,
    /** The client's form of the command, ready to send. */
    readonly wire: string,
  ) {
    Object.freeze(this);
  }

  get d(): unknown {
    if (this.#d === UNPARSED) this.#d = deepFreeze((JSON.parse(this.wire) as { d?: unknown }).d);
    return this.#d;
  }
}

/** The client's form of a command when it arrived as a wire line, else null (serialise it). */
export function wireOf(cmd: LoggedCommand): string | null {
  return cmd instanceof WireCommand ? cmd.wire : null;
}

/** A JSON string starting at s[i] (its opening quote): its value and the index after it, or null. */
function jsonString(s: string, i: number): { value: string; end: number } | null {
  if (s.charCodeAt(i) !== 0x22) return null;
  let escaped = false;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      escaped = true;
      j++;
    } else if (c === 0x22) {
      if (!escaped) return { value: s.slice(i + 1, j), end: j + 1 };
      try {
        return { value: JSON.parse(s.slice(i, j + 1)) as string, end: j + 1 };
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Decimal digits at s[i…]: the number and the index after them, or null. */
function digits(s: string, i: number): { value: number; end: number } | null {
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
  return j === i || j - i > 15 ? null : { value: Number(s.slice(i, j)), end: j };
}

/**
 * Reads a command publication line; null for anything not in exactly the shape above (an
 * `ended` line, a line of an older replica), which the caller then parses in full.
 */
export function parseWireLine(line: string): { epoch: string; cmd: WireCommand } | null {
  const e = line.indexOf(',"e":"');
  if (e < 0) return null;
  const epochEnd = line.indexOf('"', e + 6);
  if (epochEnd < 0) return null;
  const epoch = line.slice(e + 6, epochEnd);
  if (epoch.includes('\\')) return null;
  let at = epochEnd + 1;
  if (!line.startsWith(',"c":{"seq":', at)) return null;
  const seq = digits(line, at + 12);
  if (!seq || !line.startsWith(',"t":', seq.end)) return null;
  const t = digits(line, seq.end + 5);
  if (!t || !line.startsWith(',"a":', t.end)) return null;
  const a = jsonString(line, t.end + 5);
  if (!a || (a.value !== 'others' && a.value !== 'all') || line.charCodeAt(a.end) !== 0x2c) return null;
  const rest = a.end + 1;
  if (!line.startsWith('"k":', rest)) return null;
  const k = jsonString(line, rest + 4);
  if (!k || !line.startsWith(',"op":', k.end)) return null;
  const op = jsonString(line, k.end + 6);
  // by is the last field: the line ends `,"by":"…"}}`; a `,"by":"` inside d would be escaped.
  if (!op || !line.endsWith('}}')) return null;
  const b = line.lastIndexOf(',"by":', line.length - 2);
  if (b < op.end) return null;
  const by = jsonString(line, b + 6);
  if (!by || by.end !== line.length - 2) return null;
  at = line.length - 2;
  const wire = `{"seq":${seq.value},${line.slice(rest, at)},"t":${t.value}}`;
  return { epoch, cmd: new WireCommand(seq.value, t.value, a.value, k.value, op.value as LoggedCommand['op'], by.value, wire) };
}
