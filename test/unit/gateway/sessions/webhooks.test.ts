import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { Webhooks, signBody, webhookKey } from '../../../../gateway/sessions/webhooks.js';

t.test('webhooks: the key is HMAC-SHA256(secret, "tandem-webhook") and the signature the hex HMAC of the body', async (t) => {
  const key = webhookKey('s3cret-s3cret-s3cret');
  t.same(key, createHmac('sha256', 's3cret-s3cret-s3cret').update('tandem-webhook').digest());
  t.equal(signBody(key, '{"a":1}'), `sha256=${createHmac('sha256', key).update('{"a":1}').digest('hex')}`);
});

t.test('webhooks: past the queue bound the oldest waiting event is dropped, never the one in flight', async (t) => {
  const got: string[] = [];
  let release: (() => void) | null = null;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const e = JSON.parse(body) as { n: number };
      got.push(String(e.n));
      if (e.n === 0) release = () => res.writeHead(200).end();
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const hooks = new Webhooks({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    secret: 'x'.repeat(20),
    log: pino({ level: 'silent' }),
    maxQueued: 3,
  });
  for (let n = 0; n < 6; n++) hooks.emit('participant.joined', 'S', { n });
  const until = Date.now() + 5000;
  while (!release && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  release!();
  await hooks.idle();
  t.same(got, ['0', '4', '5'], 'the first went out; of those waiting only the newest fit');
  await hooks.close();
});

t.test('webhooks: close stops the retries of a dead receiver', async (t) => {
  const hooks = new Webhooks({ url: 'http://127.0.0.1:9/', secret: 'x'.repeat(20), log: pino({ level: 'silent' }), backoffMs: 60_000 });
  hooks.emit('session.ended', 'S');
  await hooks.close(50);
  await hooks.idle();
  t.pass('closed without waiting out the backoff');
});
