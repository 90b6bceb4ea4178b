/**
 * Co-browsing, a dropped hub connection: an operator whose replica restarts sees the shell say
 * so, reconnects by itself with since/epoch, misses nothing, and never reloads the page.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import { spawnGateway } from '../helpers/gateway.js';
import { callOperator, contentPath, eventually, openCustomer, openOperator, startSharingEnv, waitForStatus } from './helpers/sharing.js';

const value = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).value);

t.test('sharing: the shell reconnects after its replica restarts and resumes where it was', async (t) => {
  const env = await startSharingEnv(t, { replicas: true });
  const [r0, r1] = env.urls;
  const customer = await openCustomer(env, '/fields', { base: r0 });
  const call = await callOperator(customer);
  const alice = await openOperator(env, call, { base: r1, name: 'alice' });
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  await eventually(async () => (await alice.content().$('#text')) !== null, 'alice on /fields');
  await c.fill('#text', 'before');
  await eventually(async () => (await value(alice.content(), '#text')) === 'before', 'alice in step');
  const loads = await alice.content().evaluate(() => performance.timeOrigin);

  // Alice's replica restarts: her shell shows it, reconnects, and resumes with since/epoch.
  const replica = env.replicas[1];
  await replica.stop();
  await eventually(async () => (await alice.page.getAttribute('body', 'data-link')) === 'reconnecting', 'alice shows the drop');
  t.pass('the shell shows that it is reconnecting');
  await c.fill('#text', 'while away');
  const again = await spawnGateway({
    TANDEM_ORIGIN: env.origin.url,
    TANDEM_OPERATORS: env.operatorsFile,
    TANDEM_REDIS_URL: env.redis!.url,
    TANDEM_PORT: String(replica.port),
  });
  t.teardown(() => again.stop());
  await eventually(async () => (await alice.page.getAttribute('body', 'data-link')) === 'open', 'alice reconnected', 20_000);
  await eventually(async () => (await value(alice.content(), '#text')) === 'while away', 'alice got what she missed');
  t.equal(await contentPath(alice), '/fields', 'her content frame never left the page');
  await alice.content().fill('#area', 'back again');
  await eventually(async () => (await value(c, '#area')) === 'back again', 'and she drives again');
  t.pass('after the reconnect commands flow both ways');
  t.equal(await alice.content().evaluate(() => performance.timeOrigin), loads, 'the same document: the content frame was never reloaded');
});
