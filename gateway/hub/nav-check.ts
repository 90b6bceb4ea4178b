/**
 * A `nav` takes every other participant's browser to its url: the customer's shell navigates
 * the content frame there. Only a path of this gateway may be logged, so no participant can send
 * another to a foreign site (or a `javascript:` URL) through the session. The browser that
 * carries a nav out checks again; this is the hub's half, so a modified client gains nothing.
 */

import type { ClientCommand, HubErrorCode } from '../../protocol/messages.js';
import { isGatewayPath } from '../../protocol/mirror.js';

export function navRefusal(cmd: Pick<ClientCommand, 'op' | 'd'>): { code: HubErrorCode; message: string } | null {
  if (cmd.op !== 'nav') return null;
  const url = (cmd.d as { url?: unknown } | null)?.url;
  if (typeof url === 'string' && isGatewayPath(url)) return null;
  return { code: 'bad_data', message: 'a nav url must be a path on this gateway (starting with one /, no scheme or host)' };
}
