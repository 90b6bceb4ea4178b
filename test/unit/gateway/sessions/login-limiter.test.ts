import t from 'tap';
import { LoginLimiter, SlidingWindow } from '../../../../gateway/sessions/login-limiter.js';

t.test('login-limiter: a name is blocked after its failures, until the window has passed', async (t) => {
  let now = 1_000_000;
  const l = new LoginLimiter({ perName: 3, perAddress: 100, windowMs: 60_000 }, () => now);
  for (let i = 0; i < 3; i++) {
    t.equal(l.blockedFor('alice', '10.0.0.1'), 0);
    l.failed('alice', '10.0.0.1');
    now += 1000;
  }
  const wait = l.blockedFor('alice', '10.0.0.9');
  t.ok(wait > 0 && wait <= 60_000, 'blocked from any address');
  t.equal(l.blockedFor('bob', '10.0.0.9'), 0, 'other names are not');
  now += wait;
  t.equal(l.blockedFor('alice', '10.0.0.1'), 0, 'free again once the oldest failure leaves the window');
});

t.test('login-limiter: one address guessing many names is blocked too', async (t) => {
  const now = 5_000;
  const l = new LoginLimiter({ perName: 100, perAddress: 4, windowMs: 60_000 }, () => now);
  for (const name of ['a', 'b', 'c', 'd']) l.failed(name, '192.0.2.7');
  t.ok(l.blockedFor('e', '192.0.2.7') > 0);
  t.equal(l.blockedFor('e', '192.0.2.8'), 0);
});

t.test('login-limiter: a right password clears the name’s failures', async (t) => {
  const l = new LoginLimiter({ perName: 2, perAddress: 100 });
  l.failed('alice', 'x');
  l.succeeded('alice');
  l.failed('alice', 'x');
  t.equal(l.blockedFor('alice', 'x'), 0);
});

t.test('login-limiter: a sliding window forgets the least recently seen keys past its size', async (t) => {
  const w = new SlidingWindow({ limit: 1, windowMs: 60_000, maxKeys: 2 });
  t.equal(w.take('a'), 0);
  t.ok(w.take('a') > 0);
  w.take('b');
  w.take('c');
  t.equal(w.take('a'), 0, 'a was forgotten');
});
