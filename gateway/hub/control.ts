/**
 * Who may send what (CONTRACT 2, TANDEM_OPERATOR_CONTROL), enforced in the hub so that a
 * modified browser gains nothing: customer-only ops, and operator ops that need control.
 */

import { OPS, type Op } from '../../protocol/commands.js';
import type { HubErrorCode, LoggedCommand, Role } from '../../protocol/messages.js';
import type { OperatorControl } from '../config.js';

/** Where the customer's grant lives in the log (and so in the compacted state). */
export const CONTROL_KEY = 'session/control';

export interface Refusal {
  code: HubErrorCode;
  message: string;
}

/** Whether an operator currently holds control, given the mode and the customer's grant. */
export function operatorHasControl(mode: OperatorControl, granted: boolean): boolean {
  return mode === 'always' || (mode === 'ask' && granted);
}

/** null when `role` may send `op` at `key` now; else why not. */
export function refusal(role: Role, op: Op, key: string, mode: OperatorControl, granted: boolean): Refusal | null {
  const spec = OPS[op];
  if (op === 'control' && key !== CONTROL_KEY) return { code: 'bad_key', message: `control is only accepted at ${CONTROL_KEY}` };
  if (spec.customerOnly && role !== 'customer') return { code: 'forbidden', message: `only the customer may send ${op}` };
  if (spec.needsControl && role === 'operator' && !operatorHasControl(mode, granted)) {
    return {
      code: 'no_control',
      message: mode === 'never' ? `operators may not send ${op} on this gateway` : `the customer has not granted control (${op})`,
    };
  }
  return null;
}

/** The customer's grant as a control command carries it (a malformed one counts as no grant). */
export function grantOf(cmd: Pick<LoggedCommand, 'k' | 'op' | 'd'>): boolean | null {
  if (cmd.op !== 'control' || cmd.k !== CONTROL_KEY) return null;
  return (cmd.d as { granted?: unknown } | null)?.granted === true;
}

/** The grant in a compacted state (the latest control command wins). */
export function grantIn(commands: readonly LoggedCommand[]): boolean {
  let granted = false;
  for (const cmd of commands) {
    const g = grantOf(cmd);
    if (g !== null) granted = g;
  }
  return granted;
}

export function controlMessage(mode: OperatorControl, granted: boolean): string {
  return JSON.stringify({ type: 'control', granted: operatorHasControl(mode, granted), mode });
}
