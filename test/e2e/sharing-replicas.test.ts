/**
 * Co-browsing across two gateway replicas sharing a real Redis: the customer on one, operators
 * on the other; a late joiner's mirror lands on the customer's page as it is now, from the
 * compacted replay alone.
 */

import t from 'tap';
import {
  callOperator,
  checkedOf,
  contentPath,
  eventually,
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

t.test('sharing across replicas: both directions, and a late joiner in the same state', async (t) => {
  const env = await startSharingEnv(t, { replicas: true });
  const [r0, r1] = env.urls;
  const customer = await openCustomer(env, '/', { base: r0, viewport: { width: 820, height: 640 } });
  const call = await callOperator(customer);
  const alice = await openOperator(env, call, { base: r1, name: 'alice' });
  await waitForStatus(customer, 'connected');
  await waitForStatus(alice, 'connected');
  const c = customer.content();

  await step(t, 'commands flow both ways between replicas', async () => {
    await c.click('#to-fields');
    await until(() => contentPath(alice), '/fields', 'alice follows to /fields');
    await waitForContent(alice, '#text');
    await alice.content().click('#area');
    await alice.page.keyboard.type('op note');
    await until(() => valueOf(c, '#area'), 'op note', 'customer sees the operator typing');
  });

  // Build up state: fields, element scroll, window scroll, and what the page's script did.
  await c.click('#text');
  await customer.page.keyboard.type('late state');
  await c.selectOption('#many', ['y', 'z']);
  await c.check('#check');
  await c.click('#count');
  await c.evaluate(() => document.getElementById('box')!.scrollTo(0, 444));
  await c.evaluate(() => scrollTo(0, 777));
  await until(() => valueOf(alice.content(), '#text'), 'late state', 'alice in step');

  // A late joiner on the other replica gets it all from the replay.
  const bob = await openOperator(env, call, { base: r1, name: 'bob' });
  await waitForStatus(bob, 'connected');
  const b = () => bob.content();
  await until(() => contentPath(bob), '/fields', 'bob on /fields');
  await waitForContent(bob, '#text');
  await step(t, "the late joiner's mirror has every value", async () => {
    await until(() => valueOf(b(), '#text'), 'late state', 'bob has the text');
    t.equal(await valueOf(b(), '#area'), 'op note', "the late joiner has the operator's value too");
    t.ok(await checkedOf(b(), '#check'), 'and the checkbox');
    t.equal(await b().textContent('#counter'), '1', "and what the page's script did");
  });
  await step(t, "the late joiner's mirror has the multiple select", async () => {
    await until(
      () => b().$eval('#many', (s) => Array.from((s as HTMLSelectElement).selectedOptions, (o) => o.value)),
      ['y', 'z'],
      'the multiple select',
    );
  });
  await step(t, "the late joiner's mirror has the scroll positions", async () => {
    await eventually(
      async () => Math.abs((await b().evaluate(() => document.getElementById('box')!.scrollTop)) - 444) <= 2,
      'bob box scroll',
    );
    await eventually(async () => Math.abs((await b().evaluate(() => scrollY)) - 777) <= 2, 'bob window scroll');
  });
  t.same(await b().evaluate(() => [innerWidth, innerHeight]), await c.evaluate(() => [innerWidth, innerHeight]), 'and the viewport');
  await step(t, "the late joiner's mirror equals the customer page", () => sameDocument(customer, bob));
  await step(t, 'and equals the first operator mirror', async () => {
    await sameDocument(customer, alice);
  });
});
