import t from 'tap';
import { TokenBucket } from '../../../../gateway/hub/flood.js';

/** A bucket on a clock the test moves. */
function bucket(rate = 10, burst = 5, dropsBeforeClose = 3) {
  let now = 0;
  const b = new TokenBucket(rate, burst, dropsBeforeClose, () => now);
  return { b, advance: (ms: number) => (now += ms) };
}

t.test('flood: a burst is accepted, then messages are throttled, then the connection is closed', async (t) => {
  const { b } = bucket();
  const verdicts = Array.from({ length: 8 }, () => b.take());
  t.same(verdicts, ['accept', 'accept', 'accept', 'accept', 'accept', 'throttle', 'throttle', 'close']);
});

t.test('flood: tokens come back at the rate, and an accepted message starts the drop count over', async (t) => {
  const { b, advance } = bucket();
  for (let i = 0; i < 5; i++) b.take();
  t.equal(b.take(), 'throttle');
  t.equal(b.take(), 'throttle');
  advance(100); // 10/s: one token back
  t.equal(b.take(), 'accept');
  t.equal(b.take(), 'throttle', 'dropping again counts from one');
  t.equal(b.take(), 'throttle');
  t.equal(b.take(), 'close');
});

t.test('flood: a quiet spell refills no more than the burst', async (t) => {
  const { b, advance } = bucket();
  advance(60_000);
  const accepted = Array.from({ length: 7 }, () => b.take()).filter((v) => v === 'accept').length;
  t.equal(accepted, 5);
});
