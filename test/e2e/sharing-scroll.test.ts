/**
 * Co-browsing, scroll and viewport: window and element scroll within 2 px both ways (the
 * operator scrolls the mirror with the mouse wheel), and the operator's mirror at the
 * customer's viewport size, scaled to fit the operator's window.
 */

import t from 'tap';
import {
  callOperator,
  contentPath,
  eventually,
  mouseTo,
  openCustomer,
  openOperator,
  startSharingEnv,
  step,
  until,
  waitForContent,
  waitForStatus,
  type Participant,
} from './helpers/sharing.js';

const near = (a: number, b: number) => Math.abs(a - b) <= 2;

t.test('sharing: window and element scroll, and the customer viewport on the operator side', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/long', { viewport: { width: 800, height: 600 } });
  const call = await callOperator(customer);
  const operator = await openOperator(env, call, { viewport: { width: 700, height: 500 } });
  await waitForStatus(customer, 'connected');
  await until(() => contentPath(operator), '/long', 'operator on /long');
  await waitForContent(operator, '#bottom');
  const c = customer.content();
  const o = () => operator.content();
  const winScroll = (p: Participant) => p.content().evaluate(() => [scrollX, scrollY]);

  const size = (p: Participant) => p.content().evaluate(() => [innerWidth, innerHeight]);
  await step(t, "the mirror has the customer's viewport, scaled down to fit the operator's window", async () => {
    const want = await size(customer);
    await until(() => size(operator), want, 'operator viewport = customer viewport');
    const box = await operator.page.$eval('[data-tandem="content"]', (f) => {
      const r = f.getBoundingClientRect();
      return { w: r.width, right: r.right, bottom: r.bottom, vw: innerWidth, vh: innerHeight };
    });
    t.ok(box.w < want[0] - 10, `the larger customer viewport is scaled down (${Math.round(box.w)} px wide for ${want[0]})`);
    t.ok(box.right <= box.vw + 1 && box.bottom <= box.vh + 1, "the whole mirror fits in the operator's window");
  });

  await step(t, 'window scroll reaches the operator within 2 px', async () => {
    await c.evaluate(() => scrollTo(150, 1234));
    await eventually(async () => {
      const [x, y] = await winScroll(operator);
      return near(x, 150) && near(y, 1234);
    }, 'operator scrolled to the customer position');
  });

  await step(t, 'the operator scrolls the mirror with the wheel: the customer page follows, no echo fight', async () => {
    await mouseTo(operator, 300, 300);
    await operator.page.mouse.wheel(0, 600);
    await eventually(async () => (await winScroll(operator))[1] > 1300, 'the mirror scrolled');
    await new Promise((r) => setTimeout(r, 300));
    await eventually(async () => near((await winScroll(customer))[1], (await winScroll(operator))[1]), 'customer scrolled by the operator');
    const y = (await winScroll(operator))[1];
    await new Promise((r) => setTimeout(r, 600));
    t.ok(near((await winScroll(operator))[1], y), 'the operator position holds (no echo)');
    t.ok(near((await winScroll(customer))[1], y), 'and the customer stays there');
  });

  await c.evaluate(() => {
    location.href = '/fields';
  });
  await until(() => contentPath(operator), '/fields', 'operator on /fields');
  await waitForContent(operator, '#box');
  const boxScroll = (p: Participant) => p.content().$eval('#box', (b) => [b.scrollLeft, b.scrollTop]);

  await step(t, 'a scrollable element scroll reaches the operator within 2 px', async () => {
    await c.evaluate(() => document.getElementById('box')!.scrollTo(40, 333));
    await eventually(async () => {
      const [x, y] = await boxScroll(operator);
      return near(x, 40) && near(y, 333);
    }, 'element scroll followed');
  });

  await step(t, "the operator scrolls an element with the wheel: the customer's element follows", async () => {
    await o().hover('#box');
    await operator.page.mouse.wheel(0, 200);
    await eventually(async () => (await boxScroll(operator))[1] > 400, 'the mirror element scrolled');
    await new Promise((r) => setTimeout(r, 300));
    await eventually(async () => near((await boxScroll(customer))[1], (await boxScroll(operator))[1]), 'customer element scrolled');
  });

  await step(t, 'a viewport resize is followed', async () => {
    await customer.page.setViewportSize({ width: 640, height: 480 });
    const want2 = await eventually(async () => {
      const s = await size(customer);
      return s[0] < 700 ? s : null;
    }, 'customer resized');
    await until(() => size(operator), want2, 'operator follows the resize');
  });
});
