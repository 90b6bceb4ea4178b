/**
 * Co-browsing, scroll and viewport: window and element scroll within 2 px both ways, and the
 * operator's content frame at the customer's viewport size, scaled to fit.
 */

import t from 'tap';
import { callOperator, contentPath, eventually, openCustomer, openOperator, startSharingEnv, waitForStatus } from './helpers/sharing.js';

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
  await eventually(
    async () => Math.abs((await customer.content().evaluate(() => scrollY)) - 2500) <= 2,
    'customer scrolled by the operator',
  );
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
    const [x, y] = await operator
      .content()
      .evaluate(() => [document.getElementById('box')!.scrollLeft, document.getElementById('box')!.scrollTop]);
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
