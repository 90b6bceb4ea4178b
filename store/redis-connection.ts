/**
 * The Redis connections one store instance holds: a command client, and ONE subscriber shared by
 * every session log and bus topic of this instance (on a cluster: one sharded subscriber
 * connection per master, since a sharded channel can only be heard on the node of its slot).
 *
 * Outages: ioredis reconnects by itself (retryStrategy, forever, at most RETRY_MAX_DELAY_MS
 * apart). A command issued while Redis is away waits in the offline queue for at most
 * MAX_RETRIES_PER_REQUEST reconnection attempts (under a second) and then rejects, and a command
 * sent but never answered rejects after COMMAND_TIMEOUT_MS: nothing hangs. `ping()` (readiness)
 * rejects at once while the connection is not ready, and the gateway resumes on its own once
 * Redis is back. The offline queue stays on so that commands issued while the first connection
 * is being made wait for it instead of failing; a cluster, which has no per-command retry limit
 * for its offline queue, turns it off after its first connection, so there commands reject at
 * once during an outage. Channels are resubscribed by
 * ioredis; listeners registered with `onReconnect` then re-read what they may have missed.
 */

import { createHash } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  url?: string | null;
  cluster?: readonly { host: string; port: number }[];
}

const MAX_RETRIES_PER_REQUEST = 2;
const COMMAND_TIMEOUT_MS = 5000;
/** How long a cluster's sharded subscribers get to rebuild after an outage before we check them. */
const CLUSTER_SETTLE_MS = 1000;
const RETRY_MAX_DELAY_MS = 500;
const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times, 5), RETRY_MAX_DELAY_MS);

const baseOptions: RedisOptions = {
  maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
  commandTimeout: COMMAND_TIMEOUT_MS,
  retryStrategy,
  enableOfflineQueue: true,
  // Leave the process free to exit on its own; close() still ends everything explicitly.
  lazyConnect: false,
};

/** A message as the bytes Redis sent (decoding them is the handler's choice: most are never decoded whole). */
type Handler = (message: Buffer) => void;

export class RedisConnection {
  readonly kind: 'redis' | 'redis-cluster';
  readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  /** channel → its handlers; a channel is (s)subscribed while it has one. */
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly shas = new Map<string, string>();
  private everReady = false;
  private clientWasReady = false;
  private closed = false;

  constructor(target: RedisTarget) {
    if (target.cluster && target.cluster.length > 0) {
      this.kind = 'redis-cluster';
      const seeds = target.cluster.map((n) => ({ host: n.host, port: n.port }));
      const clusterOptions = {
        redisOptions: baseOptions,
        clusterRetryStrategy: retryStrategy,
        enableOfflineQueue: true,
      };
      const client = new Cluster(seeds, clusterOptions);
      // A cluster queues commands while it is down without any retry limit: once it has been
      // up, stop queueing so that commands during an outage reject at once instead of hanging.
      client.once('ready', () => {
        client.options.enableOfflineQueue = false;
      });
      this.client = client;
      this.subscriber = new Cluster(seeds, { ...clusterOptions, shardedSubscribers: true });
      this.subscriber.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message));
    } else if (target.url) {
      this.kind = 'redis';
      this.client = new Redis(target.url, baseOptions);
      this.subscriber = new Redis(target.url, baseOptions);
    } else {
      throw new Error('a Redis URL or cluster seeds are required');
    }
    // The Buffer events only: ioredis decodes a message to a string only while a 'message' listener exists.
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message));
    this.subscriber.on('ready', () => this.subscriberReady());
    this.client.once('ready', () => {
      this.clientWasReady = true;
    });
    // Errors surface as rejected commands and failed readiness; an unhandled 'error' event
    // would crash the process during an outage.
    this.client.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
  }

  /** Sharded pub/sub on a cluster (the channel lives in its hash tag's slot), plain elsewhere. */
  get publishVerb(): 'PUBLISH' | 'SPUBLISH' {
    return this.kind === 'redis-cluster' ? 'SPUBLISH' : 'PUBLISH';
  }

  /**
   * Calls `handler` with every message on `channel` until the returned function is called.
   * On a cluster the channel is sharded (SSUBSCRIBE): name it with a hash tag.
   */
  async listen(channel: string, handler: Handler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      const subscribing = (
        this.kind === 'redis-cluster' ? this.subscriber.ssubscribe(channel) : this.subscriber.subscribe(channel)
      ).finally(() => {
        if (this.pending.get(channel) === subscribing) this.pending.delete(channel);
      });
      this.pending.set(channel, subscribing);
    }
    const own: Handler = (m) => handler(m);
    set.add(own);
    try {
      await this.pending.get(channel);
    } catch (err) {
      set.delete(own);
      if (set.size === 0) this.handlers.delete(channel);
      throw err;
    }
    return async () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(own) || current.size > 0) return;
      this.handlers.delete(channel);
      if (this.closed) return;
      const leaving = this.kind === 'redis-cluster' ? this.subscriber.sunsubscribe(channel) : this.subscriber.unsubscribe(channel);
      await leaving.catch(() => undefined);
    };
  }

  /** Subscribes `channel` again, in case the subscriber lost it without noticing. */
  async resubscribe(channel: string): Promise<void> {
    if (this.closed || !this.handlers.has(channel)) return;
    const again = this.kind === 'redis-cluster' ? this.subscriber.ssubscribe(channel) : this.subscriber.subscribe(channel);
    await again.catch(() => undefined);
  }

  /** `listener` runs each time the subscriber is back after losing its connection. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Runs a Lua script by its SHA1, loading it on the node that lacks it (NOSCRIPT). */
  async script(lua: string, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    let sha = this.shas.get(lua);
    if (!sha) this.shas.set(lua, (sha = createHash('sha1').update(lua).digest('hex')));
    try {
      return await this.client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return this.client.eval(lua, keys.length, ...keys, ...args);
    }
  }

  async ping(): Promise<void> {
    // Before the first connection, wait for it (bounded by the retry limit); after, a lost
    // connection answers at once.
    if (this.clientWasReady && this.client.status !== 'ready') throw new Error(`Redis is unreachable (connection ${this.client.status})`);
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.reconnectListeners.clear();
    await Promise.all([quit(this.client), quit(this.subscriber)]);
  }

  private dispatch(channel: string, message: Buffer): void {
    const set = this.handlers.get(channel);
    if (!set) return;
    for (const handler of set) {
      try {
        handler(message);
      } catch {
        // One failing handler must not starve the others.
      }
    }
  }

  private subscriberReady(): void {
    if (!this.everReady) {
      this.everReady = true;
      return;
    }
    void this.recover();
  }

  private async recover(): Promise<void> {
    if (this.kind === 'redis-cluster') {
      // ioredis' sharded subscribers rebuild themselves after an outage but can lose a node's
      // channels on the way (seen when every node restarts at once): once they have settled,
      // subscribe every channel again (a no-op where it is still subscribed).
      await new Promise((r) => setTimeout(r, CLUSTER_SETTLE_MS).unref());
      await Promise.all([...this.handlers.keys()].map((channel) => this.resubscribe(channel)));
    } else {
      // ioredis queues the resubscriptions as it turns ready; a PING answered after them means
      // the channels are live again, so whatever is re-read from now on cannot be missed.
      await Promise.resolve(this.subscriber.ping()).catch(() => undefined);
    }
    if (this.closed) return;
    for (const listener of this.reconnectListeners) listener();
  }
}

async function quit(client: RedisClient): Promise<void> {
  try {
    await Promise.race([client.quit(), new Promise((r) => setTimeout(r, 1000).unref())]);
  } catch {
    // Already gone.
  }
  client.disconnect();
}
