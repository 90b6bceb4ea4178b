/** Chooses the store: Redis (single or cluster) when configured, else the embedded memory store. */

import type { CommandLog } from './command-log.js';
import type { Directory } from './directory.js';

export interface Store {
  readonly kind: 'memory' | 'redis' | 'redis-cluster';
  readonly log: CommandLog;
  readonly directory: Directory;
  /** Resolves while the backing store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  redisUrl?: string | null;
  redisCluster?: readonly { host: string; port: number }[];
}

export async function createStore(_options: StoreOptions): Promise<Store> {
  // Replaced by the store implementations (memory + Redis).
  throw new Error('store not implemented yet');
}
