/**
 * Co-browsing, the tools: remote pointers with names, shared drawing and its clearing, and the
 * end of a session.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  openOperator,
  startSharingEnv,
  waitForStatus,
  mouseTo,
  pointerOf,
  participantId,
} from './helpers/sharing.js';

t.test('sharing: pointers with names, drawing and clearing, and the end of the session', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/long');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await eventually(async () => (await contentPath(operator)) === '/long', 'operator on /long');
  await operator.content().waitForLoadState('load');
  const opId = await eventually(() => participantId(customer, 'operator'), 'operator in the customer list');
  const custId = await participantId(operator, 'customer');

  // The operator's pointer, in document coordinates, on the customer's page.
  await operator.content().evaluate(() => scrollTo(0, 0));
  await mouseTo(operator, 120, 90);
  const near = (p: { x: number; y: number } | null, x: number, y: number) => !!p && Math.abs(p.x - x) <= 3 && Math.abs(p.y - y) <= 3;
  await eventually(
    async () => near(await pointerOf(customer.content(), opId), 120, 90),
    "operator's pointer at its spot on the customer side",
  );
  t.pass("the operator's pointer shows at the same document point (the last position always arrives)");
  t.match((await pointerOf(customer.content(), opId))!.label, /alice/, 'labelled with the operator name');
  await mouseTo(customer, 300, 200);
  await eventually(async () => near(await pointerOf(operator.content(), custId), 300, 200), "customer's pointer on the operator side");
  t.pass('the customer pointer lands at the same document point on the scaled operator frame');

  // Drawing: the operator draws, the customer sees the stroke; clearing removes it everywhere.
  await operator.page.click('[data-tandem="tool-draw"]');
  t.equal(await operator.page.getAttribute('[data-tandem="tool-draw"]', 'aria-pressed'), 'true', 'draw is on');
  await mouseTo(operator, 100, 100);
  await operator.page.mouse.down();
  for (let i = 1; i <= 10; i++) await mouseTo(operator, 100 + i * 15, 100 + i * 8);
  await operator.page.mouse.up();
  const strokes = (f: Frame) => f.evaluate(() => document.querySelectorAll('[data-tandem="ink"] path').length);
  await eventually(async () => (await strokes(customer.content())) >= 1, 'ink on the customer side');
  const d = await customer.content().$eval('[data-tandem="ink"] path', (p) => p.getAttribute('d') ?? '');
  t.match(d, /^M1\d\d 1\d\d/, 'the stroke starts where the operator started it');
  t.equal(
    await customer.content().$eval('[data-tandem="ink"]', (el) => getComputedStyle(el).pointerEvents),
    'none',
    'the ink layer lets the customer use the page',
  );
  // Cleared while the rest of the stroke may still be on its way to the customer.
  await customer.page.click('[data-tandem="tool-clear"]');
  await eventually(async () => (await strokes(operator.content())) === 0, 'ink cleared on the operator side');
  await eventually(async () => (await strokes(customer.content())) === 0, 'ink cleared on the customer side');
  // Delivery is in log order: once a command sent after the clear has arrived, everything
  // logged before it has too.
  await mouseTo(operator, 200, 140);
  await eventually(async () => near(await pointerOf(customer.content(), opId), 200, 140), "the operator's pointer after the clear");
  t.equal(await strokes(customer.content()), 0, 'the clear holds on the customer side: no stroke logged before it comes back');
  t.equal(await strokes(operator.content()), 0, 'and on the operator side');

  // A stroke is cleared by navigation.
  await mouseTo(operator, 50, 50);
  await operator.page.mouse.down();
  await mouseTo(operator, 90, 90);
  await operator.page.mouse.up();
  await eventually(async () => (await strokes(customer.content())) >= 1, 'second stroke');
  await operator.page.click('[data-tandem="tool-draw"]');
  await customer.content().evaluate(() => (location.href = '/two'));
  await eventually(async () => (await contentPath(operator)) === '/two', 'operator on /two');
  await operator.content().waitForLoadState('domcontentloaded');
  t.equal(await strokes(operator.content()), 0, 'navigation clears the drawing');

  // End: the operator's frame is cleared and says so.
  await customer.page.click('[data-tandem="connect"]');
  await waitForStatus(operator, 'ended');
  await waitForStatus(customer, 'ended');
  await eventually(
    async () =>
      /session has ended/.test(
        (await operator
          .content()
          .textContent('body')
          .catch(() => '')) ?? '',
      ),
    'operator frame says ended',
  );
  t.notOk(operator.content().url().includes('/two'), "the operator's content frame no longer shows the page");
  t.equal(await customer.page.textContent('[data-tandem="connect"]'), 'Call operator', 'the customer may call again');
});
