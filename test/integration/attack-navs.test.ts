/**
 * Attack: a participant with a modified client sends a `nav` whose url leads out of the gateway
 * (another site, a scheme-relative `//host`, `javascript:`), so that the other participant's
 * browser opens it. The hub answers with an error and logs nothing: no other participant
 * receives it, and a late joiner's replay does not hold it either.
 */

import t from 'tap';
import { HubClient } from '../helpers/hub-client.js';
import { startHubFixture } from './hub-fixture.js';

const gw = await startHubFixture();
t.teardown(() => gw.close());

const FOREIGN = [
  'https://evil.example/phish',
  '//evil.example/phish',
  '/\\evil.example/phish',
  'javascript:alert(document.cookie)',
  'data:text/html,<script>alert(1)</script>',
  'evil.example/phish',
  '/\u0000x',
];

t.test('attack-navs: a nav to anything but a gateway path is refused with an error and never logged', async (t) => {
  const sid = await gw.session();
  const customer = await HubClient.connectReplayed(gw.url, gw.token(sid, 'customer', 'C'));
  const attacker = await HubClient.connectReplayed(gw.url, gw.token(sid, 'operator', 'Mallory'));
  t.teardown(() => [customer, attacker].forEach((c) => c.terminate()));

  const sent = FOREIGN.map((url) => attacker.send({ k: 'top', op: 'nav', a: 'others', d: { url } }));
  await attacker.until(() => sent.every((c) => attacker.ofType('error').some((e) => e.c === c)), 'an error for every foreign nav');
  for (const [i, c] of sent.entries()) {
    const e = attacker.ofType('error').find((x) => x.c === c);
    t.equal(e?.code, 'bad_data', `${JSON.stringify(FOREIGN[i])}: refused as bad data`);
  }

  // A nav to a gateway path still goes through: afterwards, the customer has received only that one.
  attacker.send({ k: 'top', op: 'nav', a: 'others', d: { url: '/page2?from=operator' } });
  await customer.until(() => customer.commands().some((c) => c.op === 'nav'), 'the honest nav');
  t.same(
    customer
      .commands()
      .filter((c) => c.op === 'nav')
      .map((c) => (c.d as { url: string }).url),
    ['/page2?from=operator'],
    'the customer received no foreign nav',
  );
  const late = await HubClient.connectReplayed(gw.url, gw.token(sid, 'operator', 'Late'));
  t.teardown(() => late.terminate());
  t.same(
    late.commands().map((c) => (c.d as { url?: string }).url),
    ['/page2?from=operator'],
    "the session's log holds no foreign nav",
  );
});

t.test('attack-navs: a customer cannot send a foreign nav either', async (t) => {
  const sid = await gw.session();
  const customer = await HubClient.connectReplayed(gw.url, gw.token(sid, 'customer', 'C'));
  const operator = await HubClient.connectReplayed(gw.url, gw.token(sid, 'operator', 'O'));
  t.teardown(() => [customer, operator].forEach((c) => c.terminate()));
  const c = customer.send({ k: 'top', op: 'nav', a: 'others', d: { url: 'https://evil.example/' } });
  await customer.until(() => customer.ofType('error').some((e) => e.c === c), 'the error');
  customer.send({ k: 'top/scroll', op: 'scroll', a: 'others', d: { x: 0, y: 10 } });
  await operator.until(() => operator.commands().length > 0, 'a later command');
  t.same(
    operator.commands().map((x) => x.op),
    ['scroll'],
    'the operator got the later command and no nav',
  );
});
