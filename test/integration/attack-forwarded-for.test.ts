/**
 * Attack: beat the per-address login limit by claiming a new address with every guess, in a
 * forged X-Forwarded-For (and X-Forwarded-Proto). Only peers listed in TANDEM_TRUSTED_PROXIES
 * are believed; from anyone else, loopback included, the peer's own address is counted.
 */

import t from 'tap';
import { call, startApiGateway } from './api-helpers.js';

/** Wrong logins for fresh names, each claiming a fresh address; the statuses, in order. */
async function guessesWithForgedAddresses(url: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await call(url, 'POST', '/__tandem/api/login', {
      body: { name: `user${i}`, password: 'guess' },
      headers: { 'x-forwarded-for': `198.51.100.${i + 1}`, 'x-forwarded-proto': 'https' },
    });
    statuses.push(r.status);
  }
  return statuses;
}

t.test('attack-forwarded-for: a forged X-Forwarded-For from loopback does not bypass the per-address login limit', async (t) => {
  const g = await startApiGateway();
  t.teardown(() => g.close());
  const statuses = await guessesWithForgedAddresses(g.url, 26);
  const checked = statuses.filter((s) => s !== 429).length;
  t.comment(statuses.join(' '));
  t.equal(checked, 20, 'only 20 guesses from the one real address were checked');
  t.same(statuses.slice(20), [429, 429, 429, 429, 429, 429], 'the rest were refused as rate limited');
  const r = await call(g.url, 'POST', '/__tandem/api/sessions', { body: {}, headers: { 'x-forwarded-proto': 'https' } });
  t.notMatch(r.headers.get('set-cookie') ?? '', /Secure/i, 'a forged X-Forwarded-Proto does not make cookies Secure either');
});

t.test('attack-forwarded-for: a proxy listed elsewhere does not make loopback trusted', async (t) => {
  const g = await startApiGateway({ TANDEM_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.2' });
  t.teardown(() => g.close());
  const statuses = await guessesWithForgedAddresses(g.url, 22);
  t.equal(statuses.filter((s) => s !== 429).length, 20);
});

t.test('attack-forwarded-for: a listed proxy is believed (so the limit really is per client behind it)', async (t) => {
  const g = await startApiGateway({ TANDEM_TRUSTED_PROXIES: '127.0.0.1' });
  t.teardown(() => g.close());
  const statuses = await guessesWithForgedAddresses(g.url, 22);
  t.same(new Set(statuses), new Set([401]), 'each client address behind the trusted proxy has its own count');
});
