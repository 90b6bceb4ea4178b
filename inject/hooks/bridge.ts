/**
 * What the content hooks and the shell say to each other. A page's hooks post one `hello` to
 * the shell (window.top) carrying a MessagePort; everything after goes over that private port,
 * so the page's own `message` listeners never see Tandem's traffic. Keys here are relative to
 * the frame (`scroll`, `form/0/email`): the shell knows the frame path from the hello's source
 * window and adds it.
 */

import type { Op } from '../../protocol/commands.js';
import type { ParticipantInfo, Role } from '../../protocol/messages.js';

export const HELLO = 'tandem-hello';

export interface Hello {
  tandem: typeof HELLO;
  url: string;
  title: string;
  /** The id of a kept POST response this page is (the submitter's view of it). */
  kept?: string;
}

export interface LocalCommand {
  k: string;
  op: Op;
  d: unknown;
}

/** Hooks → shell, over the port. */
export type FromHooks =
  | { t: 'nav'; url: string; title: string }
  /** `n` numbers the page's commands, so the shell can say which ones it had seen (`ack`). */
  | { t: 'cmd'; cmd: LocalCommand; n: number }
  | { t: 'state'; cmds: LocalCommand[] }
  | { t: 'error'; message: string };

export interface PageSetup {
  me: string;
  role: Role;
  color: string;
  /** Whether this participant's clicks, typing and navigation are applied (operator control). */
  allowed: boolean;
  drawing: boolean;
  participants: ParticipantInfo[];
}

/** Shell → hooks, over the port. */
export type ToHooks =
  | ({ t: 'setup' } & PageSetup)
  /** `ack`: the last page command (`n`) the shell had handled when it sent this one. */
  | { t: 'cmd'; k: string; op: Op; d: unknown; by: string; ack?: number }
  | { t: 'collect' }
  | { t: 'presence'; participants: ParticipantInfo[] }
  | { t: 'allowed'; allowed: boolean }
  | { t: 'drawing'; on: boolean };

/** Path, query and fragment: the part of a gateway URL that means the same on every replica. */
export function pagePath(href: string): string {
  const u = new URL(href);
  return u.pathname + u.search + u.hash;
}
