/** Assembles a running gateway from a Config: demo origin, store, tokens, metrics, front door. */

import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createApp, type App } from './app.js';
import { createStore } from '../store/index.js';
import { createLogger } from './ops/logger.js';
import { startGateway, type Gateway } from './server.js';
import { startDemoSite, type DemoSite } from '../demo/site.js';

export interface Running {
  readonly app: App;
  readonly gateway: Gateway;
  readonly demo: DemoSite | null;
  close(): Promise<void>;
}

export async function boot(config: Config, opts: { log?: Logger; port?: number; host?: string } = {}): Promise<Running> {
  const log = opts.log ?? createLogger(config.logLevel);
  const demo = config.origin ? null : await startDemoSite();
  const origin = config.origin ?? demo!.url;
  const store = await createStore({ redisUrl: config.redisUrl, redisCluster: config.redisCluster });
  const app = createApp(config, origin, store, log);
  const gateway = await startGateway(app, { port: opts.port, host: opts.host });
  return {
    app,
    gateway,
    demo,
    async close() {
      await gateway.close();
      await store.close();
      await demo?.close();
    },
  };
}
