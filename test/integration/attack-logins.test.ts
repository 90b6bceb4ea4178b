/**
 * Attack: guess an operator's password with many logins sent at once (so that every guess is
 * in flight before the first is checked), then see whether the operator is locked out.
 */

import t from 'tap';
import http from 'node:http';
import { startApiGateway } from './api-helpers.js';

interface Answer {
  status: number;
  body: { error?: string; token?: string };
}

/** POST /__tandem/api/login from a chosen loopback address (127.0.0.0/8 all reach the gateway on Linux). */
function loginFrom(base: string, localAddress: string, name: string, password: string): Promise<Answer> {
  const body = JSON.stringify({ name, password });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/__tandem/api/login`,
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

t.test(
  'attack-logins: 30 concurrent wrong logins get at most 5 checked, none succeeds, and the operator still logs in from elsewhere',
  async (t) => {
    const g = await startApiGateway();
    t.teardown(() => g.close());
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => loginFrom(g.url, '127.0.0.1', 'alice', `guess-${i}`)));
    const checked = answers.filter((a) => a.status !== 429);
    t.ok(checked.length <= 5, `at most 5 guesses were checked (${checked.length})`);
    t.ok(checked.length >= 1, 'the first guesses were checked');
    t.equal(answers.filter((a) => a.status === 200).length, 0, 'no wrong password logged in');
    t.same(new Set(checked.map((a) => a.status)), new Set([401]), 'the checked ones were refused as wrong');
    t.ok(
      answers.filter((a) => a.status === 429).every((a) => a.body.error === 'TANDEM_ERR_RATE_LIMITED'),
      'the rest were refused as rate limited',
    );
    const late = await loginFrom(g.url, '127.0.0.1', 'alice', 'guess-late');
    t.equal(late.status, 429, 'the guesser stays locked out');

    const own = await loginFrom(g.url, '127.0.0.2', 'alice', 'alice-pw');
    t.equal(own.status, 200, 'alice logs in from her own address all the same');
    t.ok(own.body.token, 'and gets her token');
  },
);
