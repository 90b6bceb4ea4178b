import t from 'tap';
import { startTestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/redis.js';
import { startTinyOrigin } from './ops-origin.js';
import { connectHub } from './ops-hub.js';

type Samples = { name: string; labels: Record<string, string>; value: number }[];

/** Prometheus text format, the subset prom-client writes. */
function parseMetrics(text: string): Samples {
  const out: Samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of a metric's samples whose labels include `labels`; NaN when there is none. */
function value(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hits.length ? hits.reduce((sum, s) => sum + s.value, 0) : NaN;
}

t.test('metrics: every series is present and moves with proxied traffic and a hub session', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const deadPort = await freePort();
  const gw = await startTestGateway({ TANDEM_ORIGIN: origin.url, TANDEM_ALLOW: `http://127.0.0.1:${deadPort}` });
  t.teardown(() => gw.close());
  const scrape = async () => {
    const r = await fetch(`${gw.url}/__tandem/metrics`);
    t.equal(r.status, 200);
    t.match(r.headers.get('content-type'), /^text\/plain/);
    return parseMetrics(await r.text());
  };

  const before = await scrape();
  for (const name of [
    'tandem_sessions_active',
    'tandem_participants',
    'tandem_calls_waiting',
    'tandem_commands_delivered_total',
    'tandem_hub_latency_seconds_count',
    'tandem_store_errors_total',
    'tandem_process_cpu_user_seconds_total',
    'tandem_process_resident_memory_bytes',
    'tandem_nodejs_eventloop_lag_seconds',
    'tandem_nodejs_heap_size_used_bytes',
  ]) {
    t.ok(Number.isFinite(value(before, name)), `${name} is exported`);
  }

  // Proxied traffic: pages (rewritten HTML) and a failing further origin.
  const iframe = { 'sec-fetch-dest': 'iframe' };
  for (const path of ['/a', '/b', '/c']) {
    const r = await fetch(`${gw.url}${path}`, { headers: iframe });
    t.equal(r.status, 200);
    await r.text();
  }
  const failed = await fetch(`${gw.url}/__tandem/o/http/127.0.0.1:${deadPort}/`, { headers: iframe });
  t.equal(failed.status, 502);
  await failed.text();

  // A session: a waiting call, then a hub connection with commands.
  const created = await fetch(`${gw.url}/__tandem/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const session = (await created.json()) as { id: string; token: string };
  const hub = await connectHub(gw.url, session.token);
  t.teardown(() => hub.close());
  hub.send({ k: 'top', op: 'nav', a: 'all', d: { url: '/a' }, c: 'm0' });
  for (let i = 1; i <= 5; i++) hub.send({ k: 'top/scroll', op: 'scroll', a: 'all', d: { x: 0, y: i * 10 }, c: `m${i}` });
  await hub.until('six commands back', () => hub.messages.filter((m) => typeof m.seq === 'number').length >= 6);

  const after = await scrape();
  const moved = (name: string, labels: Record<string, string> = {}) =>
    (value(after, name, labels) || 0) - (value(before, name, labels) || 0);
  t.equal(moved('tandem_proxy_request_duration_seconds_count', { status_class: '2xx' }), 3, 'three proxied 2xx requests');
  t.equal(moved('tandem_proxy_request_duration_seconds_count', { status_class: '5xx' }), 1, 'one proxied 5xx');
  t.ok(moved('tandem_rewritten_bytes_total') > 0, 'rewritten bytes grew');
  t.ok(moved('tandem_http_requests_total', { route: 'origin', status_class: '2xx' }) >= 3, 'front-door requests are counted by route');
  t.ok(moved('tandem_commands_appended_total') >= 6, 'commands appended');
  t.ok(moved('tandem_commands_appended_total', { op: 'scroll' }) >= 5, 'by op');
  t.ok(moved('tandem_commands_delivered_total') >= 6, 'commands delivered');
  t.ok(moved('tandem_hub_latency_seconds_count') >= 6, 'hub latency observed per delivery');
  t.ok(value(after, 'tandem_participants') >= 1, 'the connection is counted');
  t.ok(moved('tandem_process_cpu_user_seconds_total') > 0, 'process metrics move');

  // The store-backed gauges are read at scrape time (at most every few seconds).
  let sessions = 0;
  let calls = 0;
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const now = await scrape();
    sessions = value(now, 'tandem_sessions_active');
    calls = value(now, 'tandem_calls_waiting');
    if (sessions >= 1) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(sessions, 1, 'the live session is counted from the store');
  t.equal(calls, 1, 'its call waits for an operator');
});
