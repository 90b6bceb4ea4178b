/**
 * Shared by the attack tests (test/integration/attack-*.test.ts): a gateway in front of the
 * fixture origins with real operator accounts, and a session reached the way a browser reaches
 * it (the customer's call, an operator's login and join), so the attacker holds real credentials.
 */

import { startFixtureOrigins, type FixtureOrigins } from '../fixtures/origins/index.js';
import { call, login, startApiGateway, type ApiGateway } from './api-helpers.js';

export interface AttackBed {
  origins: FixtureOrigins;
  api: ApiGateway;
  url: string;
  close(): Promise<void>;
}

/** Fixture origins and a gateway in front of them whose operators are alice, bob and carol (`<name>-pw`). */
export async function startAttackBed(env: Record<string, string> = {}): Promise<AttackBed> {
  const origins = await startFixtureOrigins();
  const api = await startApiGateway({ TANDEM_ORIGIN: origins.site.url, TANDEM_ALLOW: origins.second.url, ...env });
  return {
    origins,
    api,
    url: api.url,
    async close() {
      await api.close();
      await origins.close();
    },
  };
}

export interface LiveSession {
  id: string;
  /** The customer's hub token (also its `tandem_p` cookie). */
  customer: string;
  /** The operator's console token. */
  console: string;
  /** The operator's hub token for the session (also its `tandem_p` cookie). */
  operator: string;
}

/** A customer calls, `operator` logs in and responds: the credentials each side then holds. */
export async function callAndRespond(url: string, operator = 'alice'): Promise<LiveSession> {
  const created = await call(url, 'POST', '/__tandem/api/sessions', { body: {} });
  if (created.status !== 201) throw new Error(`call: ${created.status} ${created.text}`);
  const id = created.body.id as string;
  const consoleToken = await login(url, operator);
  const joined = await call(url, 'POST', `/__tandem/api/sessions/${id}/join`, { token: consoleToken });
  if (joined.status !== 200) throw new Error(`join: ${joined.status} ${joined.text}`);
  return { id, customer: created.body.token as string, console: consoleToken, operator: joined.body.token as string };
}
