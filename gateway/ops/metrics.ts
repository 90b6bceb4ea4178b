/** Prometheus metrics (`/__tandem/metrics`). Every other module records through this one. */

import client from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'tandem_' });
  const m = {
    registry,
    activeSessions: new client.Gauge({ name: 'tandem_sessions_active', help: 'Sessions waiting or active', registers: [registry] }),
    participants: new client.Gauge({ name: 'tandem_participants', help: 'Hub connections on this replica', registers: [registry] }),
    callsWaiting: new client.Gauge({ name: 'tandem_calls_waiting', help: 'Calls waiting for an operator', registers: [registry] }),
    commandsAppended: new client.Counter({ name: 'tandem_commands_appended_total', help: 'Commands appended to the log by this replica', labelNames: ['op'], registers: [registry] }),
    commandsDelivered: new client.Counter({ name: 'tandem_commands_delivered_total', help: 'Commands delivered to hub connections on this replica', registers: [registry] }),
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
    rewrittenBytes: new client.Counter({ name: 'tandem_rewritten_bytes_total', help: 'Bytes of HTML and CSS rewritten', labelNames: ['kind'], registers: [registry] }),
    storeErrors: new client.Counter({ name: 'tandem_store_errors_total', help: 'Store operations that failed', registers: [registry] }),
    cspReports: new client.Counter({ name: 'tandem_csp_reports_total', help: 'CSP violation reports: URLs that escaped rewriting', registers: [registry] }),
    hubClosed: new client.Counter({ name: 'tandem_hub_closed_total', help: 'Hub connections closed by the hub', labelNames: ['reason'], registers: [registry] }),
  };
  return m;
}
