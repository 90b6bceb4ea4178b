/** Messages between browsers and the hub (CONTRACT section 7), and their parsing. */

import { isOp, OPS, type Op } from './commands.js';
import { isValidKey } from './keys.js';

export type Audience = 'others' | 'all';
export type Role = 'customer' | 'operator';

/** Client to hub: one JSON object a frame. */
export interface ClientCommand {
  k: string;
  op: Op;
  a: Audience;
  d: unknown;
  /** Client message id, unique per participant: a resend with a logged `c` is not logged twice. */
  c?: string;
}

/** Hub to client: a logged command. */
export interface Command {
  seq: number;
  k: string;
  op: Op;
  d: unknown;
  /** Sender's participant id. */
  by: string;
  /** Epoch milliseconds at which the store logged it. */
  t: number;
}

/** A command as the store keeps it: the delivered fields plus the audience. */
export interface LoggedCommand extends Command {
  a: Audience;
}

export interface ParticipantInfo {
  id: string;
  name: string;
  role: Role;
  color: string;
}

export type HubMessage =
  | Command
  | { type: 'welcome'; participant: string; role: Role; session: string; epoch: string; head: number; name: string; color: string }
  | { type: 'replayed'; head: number }
  | { type: 'reset'; epoch: string; head: number }
  | { type: 'presence'; participants: ParticipantInfo[] }
  | { type: 'control'; granted: boolean; mode: 'always' | 'ask' | 'never' }
  | { type: 'ended' }
  | { type: 'reconnect' }
  | { type: 'error'; code: HubErrorCode; message: string; c?: string };

export type HubErrorCode =
  'bad_json' | 'bad_command' | 'unknown_op' | 'bad_data' | 'bad_key' | 'forbidden' | 'no_control' | 'ended' | 'throttled' | 'internal';

export type ParseResult = { ok: true; cmd: ClientCommand } | { ok: false; code: HubErrorCode; message: string; c?: string };

/** Parses and validates one client frame. Never throws. */
export function parseClientCommand(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'bad_command', message: 'a command must be a JSON object' };
  }
  const o = raw as Record<string, unknown>;
  const c = typeof o.c === 'string' && o.c.length > 0 && o.c.length <= 64 ? o.c : undefined;
  if (o.c !== undefined && c === undefined) return { ok: false, code: 'bad_command', message: 'c must be a string of 1 to 64 characters' };
  if (!isOp(o.op)) return { ok: false, code: 'unknown_op', message: `unknown op ${JSON.stringify(String(o.op)).slice(0, 80)}`, c };
  if (!isValidKey(o.k)) return { ok: false, code: 'bad_key', message: 'k must be a key under top/ or session/', c };
  if (o.a !== undefined && o.a !== 'others' && o.a !== 'all')
    return { ok: false, code: 'bad_command', message: 'a must be "others" or "all"', c };
  const problem = OPS[o.op].validate(o.d);
  if (problem) return { ok: false, code: 'bad_data', message: `${o.op}: ${problem}`, c };
  return { ok: true, cmd: { k: o.k, op: o.op, a: (o.a as Audience | undefined) ?? 'others', d: o.d, c } };
}

export function isCommand(m: HubMessage): m is Command {
  return typeof (m as Command).seq === 'number';
}
