/**
 * Co-browsing, the tools: remote pointers with names, shared drawing and its clearing, in both
 * directions (drawn in the customer's page and in the operator's mirror, in the customer's
 * document coordinates), and the end of a session.
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
  step,
  until,
  waitForContent,
  waitForStatus,
  mouseTo,
  pointerOf,
  participantId,
  type Participant,
} from './helpers/sharing.js';

const near = (p: { x: number; y: number } | null, x: number, y: number) => !!p && Math.abs(p.x - x) <= 3 && Math.abs(p.y - y) <= 3;
const strokes = (f: Frame) => f.evaluate(() => document.querySelectorAll('[data-tandem="ink"] path').length);

async function draw(p: Participant, from: [number, number], steps: number, dx: number, dy: number): Promise<void> {
  await mouseTo(p, from[0], from[1]);
  await p.page.mouse.down();
  for (let i = 1; i <= steps; i++) await mouseTo(p, from[0] + i * dx, from[1] + i * dy);
  await p.page.mouse.up();
}

t.test('sharing: pointers with names, drawing and clearing, and the end of the session', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/long');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await until(() => contentPath(operator), '/long', 'operator on /long');
  await waitForContent(operator, '#bottom');
  const opId = await eventually(() => participantId(customer, 'operator'), 'operator in the customer list');
  const custId = await participantId(operator, 'customer');
  const c = () => customer.content();
  const o = () => operator.content();

  await step(t, "the operator's pointer shows at the same document point on the customer page, with its name", async () => {
    await mouseTo(operator, 120, 90);
    await eventually(async () => near(await pointerOf(c(), opId), 120, 90), "operator's pointer at its spot on the customer side");
    t.match((await pointerOf(c(), opId))!.label, /alice/, 'labelled with the operator name');
  });
  await step(t, "the customer's pointer lands at the same document point in the scaled mirror", async () => {
    await mouseTo(customer, 300, 200);
    await eventually(async () => near(await pointerOf(o(), custId), 300, 200), "customer's pointer on the operator side");
    const name = (await operator.page.textContent(`[data-tandem="participants"] [data-tandem-participant="${custId}"]`))!.trim();
    t.equal((await pointerOf(o(), custId))!.label, name, "labelled with the customer's name");
  });
  await step(t, 'pointers stay on their document point when the customer page scrolls', async () => {
    await c().evaluate(() => scrollTo(0, 400));
    await eventually(async () => Math.abs((await o().evaluate(() => scrollY)) - 400) <= 2, 'the mirror scrolled');
    await mouseTo(operator, 100, 100);
    await eventually(async () => near(await pointerOf(c(), opId), 100, 500), 'pointer in document coordinates');
    await c().evaluate(() => scrollTo(0, 0));
    await eventually(async () => (await o().evaluate(() => scrollY)) <= 2, 'the mirror back at the top');
  });

  await step(t, 'the operator draws: the customer sees the stroke where it was drawn', async () => {
    await operator.page.click('[data-tandem="tool-draw"]');
    t.equal(await operator.page.getAttribute('[data-tandem="tool-draw"]', 'aria-pressed'), 'true', 'draw is on');
    await draw(operator, [100, 100], 10, 15, 8);
    await eventually(async () => (await strokes(c())) >= 1, 'ink on the customer side');
    const d = await c().$eval('[data-tandem="ink"] path', (p) => p.getAttribute('d') ?? '');
    t.match(d, /^M1\d\d 1\d\d/, 'the stroke starts where the operator started it');
    t.ok((await strokes(o())) >= 1, "and it stays in the operator's mirror");
    t.equal(
      await c().$eval('[data-tandem="ink"]', (el) => getComputedStyle(el).pointerEvents),
      'none',
      'the ink layer lets the customer use the page',
    );
  });
  t.equal(await c().evaluate(() => scrollY), 0, "drawing in the mirror did not scroll or act on the customer's page");

  await step(t, 'clearing removes the drawing everywhere, and it stays cleared', async () => {
    // Cleared while the rest of the stroke may still be on its way to the customer.
    await customer.page.click('[data-tandem="tool-clear"]');
    await eventually(async () => (await strokes(o())) === 0, 'ink cleared on the operator side');
    await eventually(async () => (await strokes(c())) === 0, 'ink cleared on the customer side');
    // Delivery is in log order: once a command sent after the clear has arrived, everything
    // logged before it has too.
    await mouseTo(operator, 200, 140);
    await eventually(async () => near(await pointerOf(c(), opId), 200, 140), "the operator's pointer after the clear");
    t.equal(await strokes(c()), 0, 'the clear holds on the customer side: no stroke logged before it comes back');
    t.equal(await strokes(o()), 0, 'and on the operator side');
    await operator.page.click('[data-tandem="tool-draw"]');
  });

  await step(t, "the customer draws: the stroke shows in the operator's mirror", async () => {
    await customer.page.click('[data-tandem="tool-draw"]');
    await draw(customer, [200, 200], 6, 10, 5);
    await eventually(async () => (await strokes(o())) >= 1, 'ink in the mirror');
    const d = await o().$eval('[data-tandem="ink"] path', (p) => p.getAttribute('d') ?? '');
    t.match(d, /^M2\d\d 2\d\d/, 'the stroke starts where the customer started it');
    await customer.page.click('[data-tandem="tool-draw"]');
  });

  await step(t, 'navigation clears the drawing', async () => {
    await c().evaluate(() => (location.href = '/two'));
    await until(() => contentPath(operator), '/two', 'operator on /two');
    await waitForContent(operator, '#two');
    await eventually(async () => (await strokes(o())) === 0, 'no stroke in the mirror');
    t.equal(await strokes(c()), 0, 'none on the customer page');
  });

  // End: the operator's mirror is cleared and says so.
  await customer.page.click('[data-tandem="connect"]');
  await waitForStatus(operator, 'ended');
  await waitForStatus(customer, 'ended');
  await eventually(
    async () =>
      /session has ended/.test(
        (await o()
          .textContent('body')
          .catch(() => '')) ?? '',
      ),
    'operator frame says ended',
  );
  t.equal(await o().locator('#two').count(), 0, "the operator's frame no longer shows the page");
  t.equal(await customer.page.textContent('[data-tandem="connect"]'), 'Call operator', 'the customer may call again');
});
