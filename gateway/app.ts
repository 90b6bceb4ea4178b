/** What every part of the gateway is handed: configuration, store, tokens, metrics, logger. */

import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Store } from '../store/index.js';
import type { Tokens } from './hub/tokens.js';
import type { Metrics } from './ops/metrics.js';

export interface App {
  readonly config: Config;
  /** The primary origin actually proxied (the demo origin in demo mode). */
  readonly origin: string;
  readonly store: Store;
  readonly tokens: Tokens;
  readonly metrics: Metrics;
  readonly log: Logger;
}
