import t from 'tap';
import { startTestGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/redis.js';
import { startTinyOrigin } from './ops-origin.js';

interface Probe {
  status: number;
  body: { ok?: boolean; store?: string; error?: string; message?: string };
}

async function probe(url: string): Promise<Probe> {
  // A probe that hangs is as bad as one that fails: load balancers give up after a few seconds.
  const r = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  return { status: r.status, body: (await r.json()) as Probe['body'] };
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

t.test('health: readyz follows Redis down and back up without a restart; healthz stays 200', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const redis = await startRedis();
  t.teardown(() => redis.close());
  const gw = await startTestGateway({ TANDEM_ORIGIN: origin.url, TANDEM_REDIS_URL: redis.url });
  t.teardown(() => gw.close());
  const health = `${gw.url}/__tandem/healthz`;
  const ready = `${gw.url}/__tandem/readyz`;

  t.same(await probe(health), { status: 200, body: { ok: true } });
  t.same(await probe(ready), { status: 200, body: { ok: true, store: 'redis' } });

  await redis.stop();
  let down: Probe | null = null;
  await until(
    'readyz to report the store down',
    async () => {
      down = await probe(ready);
      return down.status === 503;
    },
    10_000,
  );
  t.equal(down!.body.error, 'TANDEM_ERR_STORE_UNAVAILABLE');
  t.match(down!.body.message, /redis/);
  t.equal((await probe(health)).status, 200, 'healthz stays 200 while the store is down: no restart loop');
  const metrics = await (await fetch(`${gw.url}/__tandem/metrics`)).text();
  t.match(metrics, /^tandem_store_errors_total [1-9]/m, 'store errors are counted');

  await redis.start();
  await until('readyz to recover', async () => (await probe(ready)).status === 200, 20_000);
  const created = await fetch(`${gw.url}/__tandem/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.ok(created.ok, `the same process serves sessions again (${created.status})`);
});

t.test("health: Tandem's own answers carry request ids and security headers", async (t) => {
  const gw = await startTestGateway();
  t.teardown(() => gw.close());
  const r = await fetch(`${gw.url}/__tandem/healthz`, { headers: { 'x-request-id': 'lb-abc.123' } });
  t.equal(r.headers.get('x-request-id'), 'lb-abc.123');
  t.equal(r.headers.get('x-content-type-options'), 'nosniff');
  t.equal(r.headers.get('referrer-policy'), 'same-origin');
  t.equal(r.headers.get('cache-control'), 'no-store');
  t.equal(r.headers.get('strict-transport-security'), null, 'no HSTS over plain http');
  const other = await fetch(`${gw.url}/__tandem/healthz`, { headers: { 'x-request-id': 'x'.repeat(500) } });
  t.match(other.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'an overlong id is replaced');
});
