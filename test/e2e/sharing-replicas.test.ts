/**
 * Co-browsing across two gateway replicas sharing a real Redis: the customer on one, operators
 * on the other; a late joiner lands in the same state from the compacted replay alone.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import { callOperator, contentPath, eventually, openCustomer, openOperator, startSharingEnv, waitForStatus } from './helpers/sharing.js';

const value = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).value);

t.test('sharing across replicas: both directions, and a late joiner in the same state', async (t) => {
  const env = await startSharingEnv(t, { replicas: true });
  const [r0, r1] = env.urls;
  const customer = await openCustomer(env, '/', { base: r0, viewport: { width: 820, height: 640 } });
  const call = await callOperator(customer);
  const alice = await openOperator(env, call, { base: r1, name: 'alice' });
  await waitForStatus(customer, 'connected');
  await waitForStatus(alice, 'connected');
  const c = customer.content();

  // Both directions across replicas.
  await c.click('#to-fields');
  await eventually(async () => (await contentPath(alice)) === '/fields', 'alice follows to /fields');
  await eventually(async () => (await alice.content().$('#text')) !== null, 'alice page ready');
  await alice.content().click('#area');
  await alice.page.keyboard.type('op note');
  await eventually(async () => (await value(c, '#area')) === 'op note', 'customer sees the operator typing');
  t.pass('commands flow both ways between replicas');

  // Build up state: fields, element scroll, window scroll.
  await c.click('#text');
  await customer.page.keyboard.type('late state');
  await c.selectOption('#many', ['y', 'z']);
  await c.check('#check');
  await c.evaluate(() => document.getElementById('box')!.scrollTo(0, 444));
  await c.evaluate(() => scrollTo(0, 777));
  await eventually(async () => (await value(alice.content(), '#text')) === 'late state', 'alice in step');

  // A late joiner on the other replica gets it all from the replay.
  const bob = await openOperator(env, call, { base: r1, name: 'bob' });
  await waitForStatus(bob, 'connected');
  const b = () => bob.content();
  await eventually(async () => (await contentPath(bob)) === '/fields', 'bob on /fields');
  await eventually(async () => (await b().$('#text')) !== null && (await value(b(), '#text')) === 'late state', 'bob has the text');
  t.equal(await value(b(), '#area'), 'op note', "the late joiner has the operator's value too");
  t.ok(await b().$eval('#check', (el) => (el as HTMLInputElement).checked), 'and the checkbox');
  t.same(
    await b().$eval('#many', (s) => Array.from((s as HTMLSelectElement).selectedOptions, (o) => o.value)),
    ['y', 'z'],
    'and the multiple select',
  );
  await eventually(
    async () => Math.abs((await b().evaluate(() => document.getElementById('box')!.scrollTop)) - 444) <= 2,
    'bob box scroll',
  );
  await eventually(async () => Math.abs((await b().evaluate(() => scrollY)) - 777) <= 2, 'bob window scroll');
  t.same(await b().evaluate(() => [innerWidth, innerHeight]), await c.evaluate(() => [innerWidth, innerHeight]), 'and the viewport');
});
