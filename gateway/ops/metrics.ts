/**
 * Prometheus metrics (`/__tandem/metrics`). Every other module records through this one; the
 * names are part of what operators build dashboards and alerts on, so they do not change.
 *
 * Counters and histograms are per replica (Prometheus sums them). The session and call gauges
 * describe the whole deployment: they are read from the shared store when scraped, at most once
 * per `STORE_GAUGE_TTL_MS` and never for longer than `STORE_GAUGE_TIMEOUT_MS`, so a scrape
 * costs the store two small reads at most and a slow store never stalls the scrape.
 */

import client from 'prom-client';
import type { Store } from '../../store/index.js';

export type Metrics = ReturnType<typeof createMetrics>;

export const STORE_GAUGE_TTL_MS = 5_000;
export const STORE_GAUGE_TIMEOUT_MS = 1_000;

export interface MetricsOptions {
  /** The shared store whose live sessions and waiting calls the gauges report. */
  store?: Store;
  /** Shown in `tandem_build_info`. */
  version?: string;
}

export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'tandem_' });

  // Shared by the store-backed gauges and the error counter they feed.
  const storeErrors = new client.Counter({
    name: 'tandem_store_errors_total',
    help: 'Store operations that failed',
    registers: [registry],
  });
  const fromStore = opts.store ? storeSnapshot(opts.store, () => storeErrors.inc()) : null;

  const m = {
    registry,
    activeSessions: new client.Gauge({
      name: 'tandem_sessions_active',
      help: 'Sessions waiting or active, across all replicas (read from the store when scraped)',
      registers: [registry],
      async collect() {
        const s = await fromStore?.();
        if (s) this.set(s.sessions);
      },
    }),
    participants: new client.Gauge({ name: 'tandem_participants', help: 'Hub connections on this replica', registers: [registry] }),
    callsWaiting: new client.Gauge({
      name: 'tandem_calls_waiting',
      help: 'Calls waiting for an operator, across all replicas (read from the store when scraped)',
      registers: [registry],
      async collect() {
        const s = await fromStore?.();
        if (s) this.set(s.calls);
      },
    }),
    commandsAppended: new client.Counter({
      name: 'tandem_commands_appended_total',
      help: 'Commands appended to the log by this replica',
      labelNames: ['op'],
      registers: [registry],
    }),
    commandsDelivered: new client.Counter({
      name: 'tandem_commands_delivered_total',
      help: 'Commands delivered to hub connections on this replica',
      registers: [registry],
    }),
    hubLatency: new client.Histogram({
      name: 'tandem_hub_latency_seconds',
      help: 'From receipt of a command by the hub to its delivery to local connections',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    proxyDuration: new client.Histogram({
      name: 'tandem_proxy_request_duration_seconds',
      help: 'Proxied request duration by status class',
      labelNames: ['status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rewrittenBytes: new client.Counter({
      name: 'tandem_rewritten_bytes_total',
      help: 'Bytes of HTML and CSS rewritten',
      labelNames: ['kind'],
      registers: [registry],
    }),
    storeErrors,
    cspReports: new client.Counter({
      name: 'tandem_csp_reports_total',
      help: 'CSP violation reports: URLs that escaped rewriting',
      registers: [registry],
    }),
    hubClosed: new client.Counter({
      name: 'tandem_hub_closed_total',
      help: 'Hub connections closed by the hub',
      labelNames: ['reason'],
      registers: [registry],
    }),
    httpRequests: new client.Counter({
      name: 'tandem_http_requests_total',
      help: 'Requests answered by the front door, by route and status class',
      labelNames: ['route', 'status_class'],
      registers: [registry],
    }),
    storeUp: new client.Gauge({
      name: 'tandem_store_up',
      help: '1 while the store answered at the last scrape, 0 otherwise',
      registers: [registry],
      async collect() {
        if (!opts.store) return;
        this.set((await fromStore?.()) ? 1 : 0);
      },
    }),
  };
  const build = new client.Gauge({
    name: 'tandem_build_info',
    help: 'Always 1; labels say what runs',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  build.set({ version: opts.version ?? 'dev', node: process.versions.node }, 1);
  return m;
}

/** `2xx` for 204: the label that keeps the status dimension small. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

interface Snapshot {
  sessions: number;
  calls: number;
}

/**
 * One cached read of the store shared by every gauge of a scrape (and of scrapes within the
 * TTL). Resolves null when the store fails or is too slow; the failure is counted once.
 */
function storeSnapshot(store: Store, onError: () => void): () => Promise<Snapshot | null> {
  let at = 0;
  let pending: Promise<Snapshot | null> | null = null;
  return () => {
    if (pending && Date.now() - at < STORE_GAUGE_TTL_MS) return pending;
    at = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), STORE_GAUGE_TIMEOUT_MS);
    });
    const read = Promise.all([store.directory.liveSessions(), store.directory.waitingCalls()]).then(
      ([sessions, calls]) => ({ sessions: sessions.length, calls: calls.length }),
      () => null,
    );
    pending = Promise.race([read, timeout]).then((s) => {
      clearTimeout(timer);
      if (!s) {
        onError();
        // Retry on the next scrape rather than serving a failure for the whole TTL.
        at = 0;
      }
      return s;
    });
    return pending;
  };
}
