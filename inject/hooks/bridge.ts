/**
 * What the content hooks and the shell say to each other. The customer's page posts one `hello`
 * to the shell (window.top) carrying a MessagePort; everything after goes over that private
 * port, so the page's own `message` listeners never see Tandem's traffic. Keys here are relative
 * to the frame (`pointer/<id>`, `ink/<id>/<n>`): the shell adds the frame path.
 *
 * Only the customer's browser runs the page, so only its shell hears from hooks: operators see
 * a mirror rebuilt in their shell (inject/shell/mirror.ts) and never load a proxied page.
 */

import type { Op } from '../../protocol/commands.js';
import type { ParticipantInfo, Role } from '../../protocol/messages.js';
import type { Act } from '../../protocol/mirror.js';

export const HELLO = 'tandem-hello';

export interface Hello {
  tandem: typeof HELLO;
  url: string;
  title: string;
}

export interface LocalCommand {
  k: string;
  op: Op;
  d: unknown;
}

/** rrweb's recorded events, passed through as data. */
export type RecordedEvent = { type: number; data: unknown; timestamp: number } & Record<string, unknown>;

/** Hooks → shell, over the port. */
export type FromHooks =
  /** The page's address changed without a new document (history API, fragment). */
  | { t: 'nav'; url: string; title: string }
  /** The page's title or icon (a gateway URL) changed. */
  | { t: 'meta'; title: string; icon: string }
  | { t: 'cmd'; cmd: LocalCommand }
  /** A snapshot: its Meta event, and the JSON of the events after it (see `changes`). */
  | { t: 'snapshot'; sid: string; meta: RecordedEvent | null; json: string }
  /**
   * Changes, as the JSON of their events: a string crosses the port as one copy, where the
   * events themselves would be cloned object by object on both sides of it (the shell only
   * forwards them).
   */
  | { t: 'changes'; sid: string; json: string }
  /** The element that has focus now (a node id of snapshot `sid`), or none. */
  | { t: 'focus'; sid: string; id: number | null }
  /** Names of masked fields a GET form is about to put in the page's address. */
  | { t: 'masked-params'; names: string[] }
  | { t: 'error'; message: string };

export interface PageSetup {
  me: string;
  role: Role;
  color: string;
  /** Whether this participant may drive (always true for the customer). */
  allowed: boolean;
  drawing: boolean;
  participants: ParticipantInfo[];
}

/** Shell → hooks, over the port. */
export type ToHooks =
  /** A session is live: record the page and share it. */
  | ({ t: 'setup' } & PageSetup)
  | { t: 'cmd'; k: string; op: Op; d: unknown; by: string }
  /** An operator's action, already checked against the control rules by hub and shell. */
  | { t: 'act'; act: Act; by: string }
  /** Take a new full snapshot (someone joined, the connection resumed). */
  | { t: 'snapshot' }
  /** The session is over: stop recording. */
  | { t: 'stop' }
  | { t: 'presence'; participants: ParticipantInfo[] }
  | { t: 'drawing'; on: boolean };

/** Path, query and fragment: the part of a gateway URL that means the same on every replica. */
export function pagePath(href: string): string {
  const u = new URL(href);
  return u.pathname + u.search + u.hash;
}
