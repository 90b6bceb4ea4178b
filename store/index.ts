/** Chooses the store: Redis (single or cluster) when configured, else the embedded memory store. */

import type { CommandLog } from './command-log.js';
import type { Directory } from './directory.js';
import { MemoryCommandLog } from './memory-command-log.js';
import { MemoryDirectory } from './memory-directory.js';
import { RedisCommandLog } from './redis-command-log.js';
import { RedisConnection } from './redis-connection.js';
import { RedisDirectory } from './redis-directory.js';

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

/**
 * Never waits for Redis to answer: a gateway starts while Redis is away and reports it through
 * `ping()` (readiness) until ioredis has connected on its own.
 */
export async function createStore(options: StoreOptions): Promise<Store> {
  const cluster = options.redisCluster && options.redisCluster.length > 0 ? options.redisCluster : undefined;
  if (options.redisUrl || cluster) return redisStore(new RedisConnection({ url: options.redisUrl, cluster }), options);
  return memoryStore(options);
}

function redisStore(redis: RedisConnection, options: StoreOptions): Store {
  const log = new RedisCommandLog(redis, { maxLen: options.maxLen });
  const directory = new RedisDirectory(redis);
  return {
    kind: redis.kind,
    log,
    directory,
    ping: () => redis.ping(),
    close: async () => {
      await Promise.all([log.close(), directory.close()]);
      await redis.close();
    },
  };
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
