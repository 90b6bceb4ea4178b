/**
 * Co-browsing, navigation of every kind: a customer and an operator on one gateway, in
 * one Chromium, each asserted on what the OTHER side shows.
 */

import t from 'tap';
import { callOperator, contentPath, eventually, openCustomer, openOperator, startSharingEnv, waitForStatus } from './helpers/sharing.js';

t.test('sharing: the shell calls, the operator joins, and navigation of every kind follows', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/');
  t.equal(await customer.page.textContent('[data-tandem="status"]'), 'idle', 'a customer starts idle');
  const call = await callOperator(customer);
  await waitForStatus(customer, 'waiting');
  t.match(await customer.page.textContent('[data-tandem="code"]'), /^\d{6}$/, 'the code is shown');
  t.equal(await customer.page.textContent('[data-tandem="connect"]'), 'End', 'the button becomes End');

  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await waitForStatus(operator, 'connected');
  await eventually(async () => (await contentPath(operator)) === '/', 'the operator on the customer page');
  t.match(await customer.page.textContent('[data-tandem="participants"]'), /alice/, 'the customer sees the operator');

  // A link click.
  await customer.content().click('#to-two');
  await eventually(async () => (await contentPath(operator)) === '/two', 'link click followed');
  t.pass('a link click is followed');

  // A redirect: the operator lands where the customer landed.
  await customer.content().click('#to-redirect');
  await eventually(async () => (await contentPath(operator)) === '/two?x=redirected', 'redirect followed');
  t.pass('a redirect is followed');

  // A hash change.
  await customer.content().evaluate(() => (location.hash = 'anchor-target'));
  await eventually(async () => (await contentPath(operator)) === '/two?x=redirected#anchor-target', 'hash followed');
  t.pass('a hash change is followed');

  // pushState in a single-page app.
  await customer.content().click('#to-spa');
  await eventually(async () => (await contentPath(operator)) === '/spa', 'spa page');
  await customer.content().click('#push');
  await eventually(async () => (await contentPath(operator)) === '/spa?view=b', 'pushState followed');
  t.pass('history.pushState is followed');

  // Back.
  await customer.content().evaluate(() => history.back());
  await eventually(async () => (await contentPath(operator)) === '/spa', 'back followed');
  t.pass('history back is followed');

  // The customer's tab URL follows the content frame, so a reload lands on the same page.
  await eventually(async () => new URL(customer.page.url()).pathname === '/spa', 'shell URL follows');
  t.pass('the shell URL follows the content frame');

  // The operator navigates (control: always); the customer follows, and nothing echoes back.
  await operator.content().click('#to-fields');
  await eventually(async () => (await contentPath(customer)) === '/fields', 'customer follows the operator');
  t.equal(await contentPath(operator), '/fields', 'the operator stays where it went');

  // Two navigations of one frame crossing on the wire: both sides end on the same page.
  for (let i = 0; i < 5; i++) {
    await Promise.all([
      customer.content().evaluate((n) => (location.hash = `c${n}`), i),
      operator.content().evaluate((n) => (location.hash = `o${n}`), i),
    ]);
    await eventually(
      async () => (await contentPath(customer)) === (await contentPath(operator)),
      `crossing navigations ${i} settle on one page`,
    );
    await new Promise((r) => setTimeout(r, 150));
    t.equal(await contentPath(customer), await contentPath(operator), `crossing navigations ${i}: both on ${await contentPath(customer)}`);
  }

  // Child frames: keys top/1.
  await customer.content().click('#to-frames');
  await eventually(async () => (await contentPath(operator)) === '/frames', 'frames page');
  await eventually(
    async () => operator.content().childFrames().length === 1 && operator.frame('top/1').url().endsWith('/child'),
    'child frame on the operator side',
  );
  await customer.frame('top/1').click('#child-next');
  await eventually(async () => operator.frame('top/1').url().endsWith('/child2'), 'child frame navigation followed');
  t.equal(new URL(operator.content().url()).pathname, '/frames', 'the parent frame stays');
});
