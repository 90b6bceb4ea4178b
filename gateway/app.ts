/** What every part of the gateway is handed: configuration, store, tokens, metrics, logger. */

import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Store } from '../store/index.js';
import { Tokens } from './identity/tokens.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { createLogger } from './ops/logger.js';

export interface App {
  readonly config: Config;
  /** The primary origin actually proxied (the demo origin in demo mode). */
  readonly origin: string;
  readonly store: Store;
  readonly tokens: Tokens;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/** The App of a gateway proxying `origin` over `store` (boot, and the bench and tests that build one by hand). */
export function createApp(config: Config, origin: string, store: Store, log: Logger = createLogger(config.logLevel)): App {
  return { config, origin, store, tokens: new Tokens(config.secret), metrics: createMetrics({ store }), log };
}
