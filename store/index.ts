/** Chooses the store: Redis (single or cluster) when configured, else the embedded memory store. */

import type { CommandLog } from './command-log.js';
import type { Directory } from './directory.js';
import { MemoryCommandLog } from './memory-command-log.js';
import { MemoryDirectory } from './memory-directory.js';

export type { CommandLog } from './command-log.js';
export type { Directory } from './directory.js';

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
  /** Commands kept per session log (approximately); defaults to LOG_MAX_LEN. */
  maxLen?: number;
}

export async function createStore(options: StoreOptions): Promise<Store> {
  if (options.redisUrl || (options.redisCluster && options.redisCluster.length > 0)) {
    throw new Error('the Redis store is not implemented yet');
  }
  return memoryStore(options);
}

function memoryStore(options: StoreOptions): Store {
  const log = new MemoryCommandLog({ maxLen: options.maxLen });
  const directory = new MemoryDirectory();
  return {
    kind: 'memory',
    log,
    directory,
    ping: async () => {},
    close: async () => {
      await Promise.all([log.close(), directory.close()]);
    },
  };
}
