import t from 'tap';
import type { IncomingMessage } from 'node:http';
import { bearer } from '../../../../gateway/identity/caller.js';
import { parseTrustedProxy, trustedProxies } from '../../../../gateway/identity/client-address.js';

const req = (remoteAddress: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;

t.test('caller: Bearer tokens are read from the Authorization header', async (t) => {
  t.equal(bearer(req('1.2.3.4', { authorization: 'Bearer abc.def' })), 'abc.def');
  t.equal(bearer(req('1.2.3.4', { authorization: 'Basic abc' })), null);
  t.equal(bearer(req('1.2.3.4')), null);
});

t.test('caller: the client address is the peer, or what a trusted proxy says it is', async (t) => {
  const none = trustedProxies([]);
  t.equal(none.clientAddress(req('127.0.0.1', { 'x-forwarded-for': '198.51.100.1' })), '127.0.0.1', 'nobody is trusted by default');
  t.equal(none.clientAddress(req('10.1.2.3', { 'x-forwarded-for': '198.51.100.1' })), '10.1.2.3', 'not even a private peer');
  const lb = trustedProxies(['10.0.0.0/8', '::1'].map(parseTrustedProxy));
  t.equal(
    lb.clientAddress(req('203.0.113.9', { 'x-forwarded-for': '10.0.0.1' })),
    '203.0.113.9',
    'an untrusted peer cannot claim another address',
  );
  t.equal(
    lb.clientAddress(req('10.1.2.3', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' })),
    '203.0.113.7',
    'behind a trusted balancer: the address it appended',
  );
  t.equal(
    lb.clientAddress(req('::ffff:10.1.2.3', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.9.9.9' })),
    '203.0.113.7',
    'past every trusted hop',
  );
  t.equal(lb.clientAddress(req('10.1.2.3', { 'x-forwarded-for': 'not-an-ip' })), '10.1.2.3', 'junk is ignored');
  t.ok(lb.forwardedHttps(req('::1', { 'x-forwarded-proto': 'https' })));
  t.notOk(none.forwardedHttps(req('::1', { 'x-forwarded-proto': 'https' })), 'X-Forwarded-Proto only from a trusted proxy');
  t.equal(none.forwardedFor(req('127.0.0.1', { 'x-forwarded-for': '6.6.6.6' })), '127.0.0.1', 'a forged chain is not passed on');
});

t.test('caller: trusted proxies are addresses or CIDR ranges', async (t) => {
  t.equal(parseTrustedProxy(' 172.16.0.0/12 '), '172.16.0.0/12');
  t.equal(parseTrustedProxy('fd00::/8'), 'fd00::/8');
  t.throws(() => parseTrustedProxy('10.0.0.0/33'), /prefix length/);
  t.throws(() => parseTrustedProxy('nginx'), /IP addresses or CIDR/);
});
