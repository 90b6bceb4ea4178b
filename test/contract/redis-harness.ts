/** Builds the conformance suites' harnesses on real Redis: two "replicas", each with its own connections. */

import { RedisCommandLog, logKeyList } from '../../store/redis-command-log.js';
import { RedisConnection, type RedisTarget } from '../../store/redis-connection.js';
import { RedisDirectory } from '../../store/redis-directory.js';
import type { LogHarness } from './command-log.suite.js';
import type { DirectoryHarness } from './directory.suite.js';

/** The Redis log with the seam the suite needs: an append whose publication is lost. */
class LossyRedisLog extends RedisCommandLog {
  dropNext = false;

  protected override publishes(): boolean {
    if (!this.dropNext) return true;
    this.dropNext = false;
    return false;
  }
}

export function redisLogHarness(target: () => RedisTarget) {
  return async (options?: { maxLen?: number }): Promise<LogHarness> => {
    const a = new RedisConnection(target());
    const b = new RedisConnection(target());
    const log = new LossyRedisLog(a, options);
    const peer = new RedisCommandLog(b, options);
    return {
      log,
      peer,
      dropNextPublish: () => {
        log.dropNext = true;
      },
      async forget(sessionId) {
        await a.client.del(...logKeyList(sessionId));
      },
      async close() {
        await Promise.all([log.close(), peer.close()]);
        await Promise.all([a.close(), b.close()]);
      },
    };
  };
}

export function redisDirectoryHarness(target: () => RedisTarget) {
  return async (): Promise<DirectoryHarness> => {
    const a = new RedisConnection(target());
    const b = new RedisConnection(target());
    return {
      dir: new RedisDirectory(a),
      peer: new RedisDirectory(b),
      close: async () => {
        await Promise.all([a.close(), b.close()]);
      },
    };
  };
}
