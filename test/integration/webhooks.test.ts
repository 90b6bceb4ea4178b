import t from 'tap';
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { TEST_SECRET } from '../helpers/gateway.js';
import { startApiGateway, call, login } from './api-helpers.js';

interface Received {
  type: string;
  id: string;
  session: string;
  at: string;
  body: string;
  signature: string;
  [k: string]: unknown;
}

/** A webhook receiver on a loopback port; `answer` decides each attempt's status (or null: never answer). */
async function receiver(answer: (event: Received, attempt: number) => number | null) {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const hung: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const event = { ...(JSON.parse(body) as Received), body, signature: String(req.headers['x-tandem-signature'] ?? '') };
      const n = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, n);
      const status = answer(event, n);
      if (status === null) return void hung.push(res);
      if (status < 300) received.push(event);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    attempts,
    async until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out; received ${received.map((e) => e.type).join(', ')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function validSignature(e: Received): boolean {
  const key = createHmac('sha256', TEST_SECRET).update('tandem-webhook').digest();
  const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(e.body).digest('hex')}`);
  const given = Buffer.from(e.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

t.test('webhooks: a session’s events arrive in order, signed, with type, id, session and time', async (t) => {
  const hook = await receiver(() => 204);
  const g = await startApiGateway({ TANDEM_WEBHOOK_URL: hook.url });
  t.teardown(async () => {
    await g.close();
    await hook.close();
  });
  const s = await call(g.url, 'POST', '/__tandem/api/sessions', { body: { name: 'Ada', url: '/loans' } });
  const id = s.body.id as string;
  const alice = await login(g.url, 'alice');
  const j = await call(g.url, 'POST', `/__tandem/api/sessions/${id}/join`, { token: alice });
  await call(g.url, 'POST', `/__tandem/api/sessions/${id}/leave`, { token: j.body.token as string });
  await call(g.url, 'POST', `/__tandem/api/sessions/${id}/end`, { token: s.body.token as string });
  await hook.until(() => hook.received.some((e) => e.type === 'session.ended'));

  const mine = hook.received.filter((e) => e.session === id);
  t.same(
    mine.map((e) => e.type),
    ['call.requested', 'participant.joined', 'session.started', 'participant.joined', 'participant.left', 'session.ended'],
    'in the order they happened',
  );
  for (const e of mine) {
    t.ok(validSignature(e), `${e.type}: X-Tandem-Signature is the HMAC-SHA256 of the body`);
    t.type(e.id, 'string');
    t.ok(!Number.isNaN(Date.parse(e.at)), `${e.type}: at is a time`);
  }
  t.equal(new Set(mine.map((e) => e.id)).size, mine.length, 'every event has its own id');
  t.match(mine[0], { code: s.body.code, customer: 'Ada', url: '/loans' });
  t.match(mine[3], { name: 'alice', role: 'operator' });
  t.match(mine[5], { by: 'Ada', role: 'customer', durationMs: Number });
});

t.test('webhooks: a refused delivery is retried, and later events of the session wait for it', async (t) => {
  const hook = await receiver((e, attempt) => (e.type === 'call.requested' && attempt === 1 ? 500 : 200));
  const g = await startApiGateway({ TANDEM_WEBHOOK_URL: hook.url });
  t.teardown(async () => {
    await g.close();
    await hook.close();
  });
  const s = await call(g.url, 'POST', '/__tandem/api/sessions', { body: {} });
  await call(g.url, 'POST', `/__tandem/api/sessions/${s.body.id as string}/end`, { token: s.body.token as string });
  await hook.until(() => hook.received.some((e) => e.type === 'session.ended'));
  t.same(
    hook.received.map((e) => e.type),
    ['call.requested', 'participant.joined', 'session.ended'],
    'delivered, still in order',
  );
  t.equal(hook.attempts.get(hook.received[0].id), 2, 'call.requested took a second attempt');
  t.same(new Set(hook.received.map((e) => e.id)).size, 3, 'the retry is the same event');
});

t.test('webhooks: a receiver that never answers does not hold up the API', async (t) => {
  const hook = await receiver(() => null);
  const g = await startApiGateway({ TANDEM_WEBHOOK_URL: hook.url });
  t.teardown(async () => {
    await g.close();
    await hook.close();
  });
  for (let i = 0; i < 3; i++) {
    const s = await call(g.url, 'POST', '/__tandem/api/sessions', { body: {} });
    t.equal(s.status, 201, 'the call is created while the receiver hangs');
    t.equal(
      (await call(g.url, 'POST', `/__tandem/api/sessions/${s.body.id as string}/end`, { token: s.body.token as string })).status,
      200,
      'and ended',
    );
  }
});
