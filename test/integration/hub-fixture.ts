/**
 * A gateway for hub tests, assembled in this process without the demo origin: the real front
 * door and hub on a free loopback port, over the memory store or a real Redis.
 */

import { loadConfig } from '../../gateway/config.js';
import { createApp, type App } from '../../gateway/app.js';
import { newId } from '../../gateway/identity/tokens.js';
import { startGateway, type Gateway } from '../../gateway/server.js';
import { createStore } from '../../store/index.js';
import type { Role } from '../../protocol/messages.js';
import { TEST_SECRET } from '../helpers/gateway.js';

export interface HubFixture {
  readonly app: App;
  readonly gateway: Gateway;
  readonly url: string;
  /** A new active session (log and directory record). */
  session(): Promise<string>;
  token(session: string, role: Role, name?: string, participant?: string, ttlMs?: number): string;
  close(): Promise<void>;
}

export interface HubFixtureOptions {
  env?: Record<string, string>;
  redisUrl?: string;
  /** Commands kept per session log, to make trimming happen in a test. */
  maxLen?: number;
}

export async function startHubFixture(opts: HubFixtureOptions = {}): Promise<HubFixture> {
  const config = loadConfig({
    TANDEM_SECRET: TEST_SECRET,
    TANDEM_LOG_LEVEL: 'silent',
    TANDEM_HOST: '127.0.0.1',
    TANDEM_PORT: '0',
    TANDEM_ORIGIN: 'http://127.0.0.1:9',
    ...(opts.redisUrl ? { TANDEM_REDIS_URL: opts.redisUrl } : {}),
    ...opts.env,
  });
  const store = await createStore({ redisUrl: config.redisUrl, maxLen: opts.maxLen });
  const app = createApp(config, config.origin!, store);
  const gateway = await startGateway(app, { port: 0, host: '127.0.0.1' });
  return {
    app,
    gateway,
    url: gateway.url,
    session: () => createSession(app),
    token: (session, role, name = role, participant = newId(8), ttlMs = 60_000) => app.tokens.hub(session, participant, role, name, ttlMs),
    async close() {
      await gateway.close();
      await store.close();
    },
  };
}

export async function createSession(app: App): Promise<string> {
  const id = newId();
  await app.store.log.create(id);
  await app.store.directory.createSession(id, { status: 'active', createdAt: Date.now(), people: [] });
  return id;
}

/** The value of a labelled Prometheus counter, read through the registry. */
export async function metricValue(app: App, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = app.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  let total = 0;
  for (const v of data.values) {
    const l = v.labels as Record<string, string | number>;
    if (Object.entries(labels).every(([k, want]) => String(l[k]) === want) && !('le' in l)) total += v.value;
  }
  return total;
}
