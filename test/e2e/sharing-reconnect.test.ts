/**
 * Co-browsing, a dropped hub connection: an operator whose replica restarts sees the shell say
 * so, reconnects by itself with since/epoch, misses nothing, and drives again; the customer's
 * page is never reloaded because of it.
 */

import t from 'tap';
import { spawnGateway } from '../helpers/gateway.js';
import {
  callOperator,
  contentPath,
  openCustomer,
  openOperator,
  sameDocument,
  startSharingEnv,
  step,
  until,
  valueOf,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';

t.test('sharing: the shell reconnects after its replica restarts and resumes where it was', async (t) => {
  const env = await startSharingEnv(t, { replicas: true });
  const [r0, r1] = env.urls;
  const customer = await openCustomer(env, '/fields', { base: r0 });
  const call = await callOperator(customer);
  const alice = await openOperator(env, call, { base: r1, name: 'alice' });
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  await waitForContent(alice, '#text');
  await c.fill('#text', 'before');
  await until(() => valueOf(alice.content(), '#text'), 'before', 'alice in step');
  const loads = await c.evaluate(() => performance.timeOrigin);

  // Alice's replica restarts: her shell shows it, reconnects, and resumes with since/epoch.
  const replica = env.replicas[1];
  await replica.stop();
  await until(() => alice.page.getAttribute('body', 'data-link'), 'reconnecting', 'alice shows the drop');
  t.pass('the shell shows that it is reconnecting');
  await c.fill('#text', 'while away');
  await c.click('#count');
  const again = await spawnGateway({
    TANDEM_ORIGIN: env.origin.url,
    TANDEM_OPERATORS: env.operatorsFile,
    TANDEM_REDIS_URL: env.redis!.url,
    TANDEM_PORT: String(replica.port),
  });
  t.teardown(() => again.stop());
  await until(() => alice.page.getAttribute('body', 'data-link'), 'open', 'alice reconnected', 20_000);

  await step(t, 'the mirror got what she missed', async () => {
    await until(() => valueOf(alice.content(), '#text'), 'while away', 'alice got what she missed');
    await until(() => alice.content().textContent('#counter'), '1', 'and the click');
    t.equal(await contentPath(alice), '/fields', 'her address still shows the page');
    await sameDocument(customer, alice);
  });

  await step(t, 'after the reconnect she drives again', async () => {
    await alice.content().click('#area');
    await alice.page.keyboard.type('back again');
    await until(() => valueOf(c, '#area'), 'back again', 'and she drives again');
    await until(() => valueOf(alice.content(), '#area'), 'back again', 'her mirror too');
  });
  t.equal(await c.evaluate(() => performance.timeOrigin), loads, "the customer's page was never reloaded");
});
