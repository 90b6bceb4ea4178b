/**
 * The participant of a proxied request: who the customer's origin is asked for. A participant's
 * browser carries `tandem_p` (its signed hub token); an operator's mirror loads the page's
 * stylesheets, images and fonts by `/__tandem/r/<resource token>/<path>`. That decides whose
 * origin cookies the origin sees: a customer's own (recorded into the session's jar), or, for
 * an operator, the jar's, for GET and HEAD only (proxy.ts).
 */

import type { IncomingMessage } from 'node:http';
import type { App } from '../app.js';
import type { Role } from '../../protocol/messages.js';
import type { HubClaims } from './tokens.js';
import { PARTICIPANT_COOKIE, tandemCookie } from './cookies.js';
import type { Standing } from './standing.js';

export interface Participant {
  session: string;
  id: string;
  role: Role;
}

/**
 * Requests that came in as `/__tandem/r/<token>/<path>` (an operator's mirror loading the page's
 * stylesheets, images and fonts), by the resource token they carried; their `url` is the path.
 */
export const resourceTokens = new WeakMap<IncomingMessage, string>();

const RESOURCE_PATH = /^\/__tandem\/r\/([A-Za-z0-9_.-]{1,4096})(\/.*)$/;

/** What a mirror's resource URL names: its token and the gateway path it loads. */
export function parseResourcePath(path: string): { token: string; path: string } | null {
  const m = RESOURCE_PATH.exec(path);
  return m ? { token: m[1], path: m[2] } : null;
}

/** Where a resource may land: never a document, a frame or a plugin (a mirror loads none). */
export function isResourceDestination(req: IncomingMessage): boolean {
  const dest = String(req.headers['sec-fetch-dest'] ?? '');
  return !['document', 'iframe', 'frame', 'embed', 'object'].includes(dest);
}

/**
 * Session liveness, cached briefly: every proxied request of a participant asks, and an ended
 * session must stop lending the customer's cookies to operators within a second or two.
 */
export class Participants {
  readonly #live = new Map<string, { live: boolean; until: number }>();

  constructor(
    private readonly app: App,
    private readonly standing: Standing,
    private readonly cacheMs = 2000,
  ) {}

  /**
   * The participant behind the request's `tandem_p` cookie, if it is valid, its session live and,
   * for an operator, their membership and account still stand (Leave and `operator remove` end it).
   */
  async of(req: IncomingMessage): Promise<Participant | null> {
    const resource = resourceTokens.get(req);
    if (resource !== undefined) return this.#ofResource(resource);
    const token = tandemCookie(req.headers.cookie, PARTICIPANT_COOKIE);
    if (!token) return null;
    const v = this.app.tokens.verify(token, 'hub');
    if (!v.ok) return null;
    if (!(await this.#isLive(v.claims.s))) return null;
    if (!(await this.#stands(v.claims))) return null;
    return { session: v.claims.s, id: v.claims.p, role: v.claims.r };
  }

  /** An operator's mirror loading its session's resources: a resource token, never a cookie. */
  async #ofResource(token: string): Promise<Participant | null> {
    const v = this.app.tokens.verify(token, 'resource');
    if (!v.ok || v.claims.r !== 'operator') return null;
    const claims: HubClaims = { ...v.claims, kind: 'hub' };
    if (!(await this.#isLive(claims.s))) return null;
    if (!(await this.#stands(claims))) return null;
    return { session: claims.s, id: claims.p, role: 'operator' };
  }

  async #stands(claims: HubClaims): Promise<boolean> {
    try {
      return (await this.standing.check(claims)) === null;
    } catch (err) {
      // Unlike liveness, lending the session's cookies to someone who may have left is not worth a page.
      this.app.metrics.storeErrors.inc();
      this.app.log.warn({ err: { message: (err as Error).message } }, 'participant: membership lookup failed');
      return false;
    }
  }

  async #isLive(session: string): Promise<boolean> {
    const now = Date.now();
    const hit = this.#live.get(session);
    if (hit && hit.until > now) return hit.live;
    let live: boolean;
    try {
      const rec = await this.app.store.directory.getSession(session);
      live = rec !== null && rec.status !== 'ended';
    } catch (err) {
      // The token is signed and expires: while the store is away, trust it rather than fail the page.
      this.app.metrics.storeErrors.inc();
      this.app.log.warn({ err: { message: (err as Error).message } }, 'participant: session lookup failed');
      return true;
    }
    if (this.#live.size > 10_000) this.#live.clear();
    this.#live.set(session, { live, until: now + this.cacheMs });
    return live;
  }
}
