/**
 * Co-browsing, navigation, scroll and viewport: a customer and an operator on one gateway, in
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

  // Child frames: keys top/1.
  await customer.content().click('#to-frames');
  await eventually(async () => (await contentPath(operator)) === '/frames', 'frames page');
  await eventually(async () => operator.content().childFrames().length === 1 && operator.frame('top/1').url().endsWith('/child'), 'child frame on the operator side');
  await customer.frame('top/1').click('#child-next');
  await eventually(async () => operator.frame('top/1').url().endsWith('/child2'), 'child frame navigation followed');
  t.equal(new URL(operator.content().url()).pathname, '/frames', 'the parent frame stays');
});

t.test('sharing: window and element scroll, and the customer viewport on the operator side', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/long', { viewport: { width: 800, height: 600 } });
  const call = await callOperator(customer);
  const operator = await openOperator(env, call, { viewport: { width: 700, height: 500 } });
  await waitForStatus(customer, 'connected');
  await eventually(async () => (await contentPath(operator)) === '/long', 'operator on /long');

  // Viewport: the operator's content frame takes the customer's size and is scaled to fit.
  const size = (p: typeof customer) => p.content().evaluate(() => [innerWidth, innerHeight]);
  const want = await size(customer);
  await eventually(async () => JSON.stringify(await size(operator)) === JSON.stringify(want), 'operator viewport = customer viewport');
  const scale = await operator.page.$eval('[data-tandem="content"]', (f) => (f as HTMLElement).style.transform);
  t.match(scale, /scale\(0\.\d+\)/, 'the larger customer viewport is scaled down to fit');

  // Window scroll, customer → operator.
  await customer.content().evaluate(() => scrollTo(150, 1234));
  await eventually(async () => {
    const [x, y] = await operator.content().evaluate(() => [scrollX, scrollY]);
    return Math.abs(x - 150) <= 2 && Math.abs(y - 1234) <= 2;
  }, 'operator scrolled to the customer position');
  t.pass('window scroll reaches the operator within 2 px');

  // Window scroll, operator → customer, with no echo fight.
  await operator.content().evaluate(() => scrollTo(0, 2500));
  await eventually(async () => Math.abs((await customer.content().evaluate(() => scrollY)) - 2500) <= 2, 'customer scrolled by the operator');
  await new Promise((r) => setTimeout(r, 300));
  t.ok(Math.abs((await operator.content().evaluate(() => scrollY)) - 2500) <= 2, 'the operator position holds (no echo)');

  // Element scroll.
  await customer.content().evaluate(() => {
    location.href = '/fields';
  });
  await eventually(async () => (await contentPath(operator)) === '/fields', 'operator on /fields');
  await operator.content().waitForSelector('#box');
  await customer.content().evaluate(() => document.getElementById('box')!.scrollTo(40, 333));
  await eventually(async () => {
    const [x, y] = await operator.content().evaluate(() => [document.getElementById('box')!.scrollLeft, document.getElementById('box')!.scrollTop]);
    return Math.abs(x - 40) <= 2 && Math.abs(y - 333) <= 2;
  }, 'element scroll followed');
  t.pass('a scrollable element scroll reaches the operator within 2 px');

  // The customer resizes the window: the operator follows.
  await customer.page.setViewportSize({ width: 640, height: 480 });
  const want2 = await eventually(async () => {
    const s = await size(customer);
    return s[0] < 700 ? s : null;
  }, 'customer resized');
  await eventually(async () => JSON.stringify(await size(operator)) === JSON.stringify(want2), 'operator follows the resize');
  t.pass('a viewport resize is followed');
});
