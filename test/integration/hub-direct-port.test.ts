/**
 * The hub's direct public port (TANDEM_HUB_PORT): the same admission as through the front door
 * (401 before any upgrade for a bad token or a session that is unknown or has ended), and a
 * participant joined there shares the session with one joined through the gateway's main port.
 */

import t from 'tap';
import { HubClient } from '../helpers/hub-client.js';
import { freePort } from '../helpers/redis.js';
import { startHubFixture } from './hub-fixture.js';

const hubPort = await freePort();
const gw = await startHubFixture({ env: { TANDEM_HUB_PORT: String(hubPort) } });
t.teardown(() => gw.close());
const direct = `http://127.0.0.1:${hubPort}`;

t.test('hub direct port: a forged token, an unknown and an ended session get 401 with a JSON error', async (t) => {
  t.equal(gw.gateway.hub.publicPort, hubPort, 'the hub listens on TANDEM_HUB_PORT');
  const sid = await gw.session();
  const ended = await gw.session();
  await gw.app.store.log.end(ended, 60_000);
  const good = gw.token(sid, 'customer');
  const cases: Record<string, string> = {
    missing: '',
    forged: `${good}x`,
    'unknown session': gw.token('no-such-session', 'customer'),
    'ended session': gw.token(ended, 'customer'),
  };
  for (const [name, token] of Object.entries(cases)) {
    const r = await HubClient.refused(direct, token);
    t.equal(r.status, 401, `${name}: 401`);
    t.equal(r.body?.error, 'TANDEM_ERR_UNAUTHORIZED', `${name}: JSON error body`);
  }
});

t.test('hub direct port: a participant joined there and one joined through the main port share the session', async (t) => {
  const sid = await gw.session();
  const customer = await HubClient.connect(gw.url, gw.token(sid, 'customer'));
  t.teardown(() => customer.terminate());
  const operator = await HubClient.connect(direct, gw.token(sid, 'operator'));
  t.teardown(() => operator.terminate());
  const welcome = await operator.next('welcome');
  t.equal(welcome.session, sid, 'welcome names the session');
  await customer.next('replayed');
  await operator.next('replayed');
  customer.send({ k: 'top/scroll', op: 'scroll', a: 'others', d: { x: 0, y: 120 } });
  await operator.until(() => operator.liveCommands().length === 1, 'the customer command on the direct port');
  t.same(operator.liveCommands()[0].d, { x: 0, y: 120 }, 'the command arrives as sent');
});
