import t from 'tap';
import type { IncomingMessage } from 'node:http';
import { parseCookies, clientAddress, bearer } from '../../../../gateway/sessions/auth.js';

const req = (remoteAddress: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;

t.test('auth: cookies are parsed tolerantly, the first of a name wins', async (t) => {
  t.same(parseCookies('a=1; tandem_p=x%2By; b="q"; a=2; junk'), { a: '1', tandem_p: 'x+y', b: 'q' });
  t.same(parseCookies(undefined), {});
  t.same(parseCookies('bad=%E0%A4%A'), { bad: '%E0%A4%A' }, 'a broken escape is kept as is');
});

t.test('auth: Bearer tokens are read from the Authorization header', async (t) => {
  t.equal(bearer(req('1.2.3.4', { authorization: 'Bearer abc.def' })), 'abc.def');
  t.equal(bearer(req('1.2.3.4', { authorization: 'Basic abc' })), null);
  t.equal(bearer(req('1.2.3.4')), null);
});

t.test('auth: the client address is the peer, or what a balancer on a private network appended', async (t) => {
  t.equal(
    clientAddress(req('203.0.113.9', { 'x-forwarded-for': '10.0.0.1' })),
    '203.0.113.9',
    'a public peer cannot claim another address',
  );
  t.equal(
    clientAddress(req('10.1.2.3', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' })),
    '203.0.113.7',
    'behind a private balancer: the address it appended',
  );
  t.equal(clientAddress(req('::ffff:127.0.0.1', { 'x-forwarded-for': 'not-an-ip' })), '::ffff:127.0.0.1', 'junk is ignored');
});
