import t from 'tap';
import { LoginLimiter, SlidingWindow } from '../../../../gateway/sessions/login-limiter.js';

t.test('login-limiter: a name is blocked from an address after its attempts there, until the window has passed', async (t) => {
  let now = 1_000_000;
  const l = new LoginLimiter({ perNameAddress: 3, perAddress: 100, perName: 100, windowMs: 60_000 }, () => now);
  for (let i = 0; i < 3; i++) {
    t.equal(l.reserve('alice', '10.0.0.1'), 0);
    now += 1000;
  }
  const wait = l.reserve('alice', '10.0.0.1');
  t.ok(wait > 0 && wait <= 60_000, 'blocked from that address');
  t.equal(l.reserve('alice', '10.0.0.9'), 0, 'not from another address');
  t.equal(l.reserve('bob', '10.0.0.1'), 0, 'other names are not');
  now += wait;
  t.equal(l.reserve('alice', '10.0.0.1'), 0, 'free again once the oldest attempt leaves the window');
});

t.test('login-limiter: reservations are counted at once, before any password is checked', async (t) => {
  const l = new LoginLimiter({ perNameAddress: 5 });
  const granted = Array.from({ length: 30 }, () => l.reserve('alice', '10.0.0.1')).filter((w) => w === 0);
  t.equal(granted.length, 5);
});

t.test('login-limiter: guesses spread over many addresses lock a name for a short window only', async (t) => {
  let now = 0;
  const l = new LoginLimiter({ perNameAddress: 5, perAddress: 100, perName: 10, nameWindowMs: 60_000 }, () => now);
  for (let i = 0; i < 10; i++) t.equal(l.reserve('alice', `10.0.1.${i}`), 0);
  const wait = l.reserve('alice', '10.0.2.1');
  t.ok(wait > 0 && wait <= 60_000, 'the name is locked everywhere, for at most the short window');
  now += wait;
  t.equal(l.reserve('alice', '10.0.2.1'), 0);
});

t.test('login-limiter: one address guessing many names is blocked too', async (t) => {
  const now = 5_000;
  const l = new LoginLimiter({ perNameAddress: 100, perAddress: 4, windowMs: 60_000 }, () => now);
  for (const name of ['a', 'b', 'c', 'd']) l.reserve(name, '192.0.2.7');
  t.ok(l.reserve('e', '192.0.2.7') > 0);
  t.equal(l.reserve('e', '192.0.2.8'), 0);
});

t.test('login-limiter: a right password clears the name’s failures from that address', async (t) => {
  const l = new LoginLimiter({ perNameAddress: 2, perAddress: 100 });
  l.reserve('alice', 'x');
  l.reserve('alice', 'x');
  l.succeeded('alice', 'x');
  t.equal(l.reserve('alice', 'x'), 0);
});

t.test('login-limiter: a sliding window forgets the least recently seen keys past its size', async (t) => {
  const w = new SlidingWindow({ limit: 1, windowMs: 60_000, maxKeys: 2 });
  t.equal(w.take('a'), 0);
  t.ok(w.take('a') > 0);
  w.take('b');
  w.take('c');
  t.equal(w.take('a'), 0, 'a was forgotten');
});
