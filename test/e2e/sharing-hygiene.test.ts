/**
 * The hooks in someone else's page: no new globals, no errors thrown into the page while a
 * session shares it, and nothing of Tandem's in the page's own `message` events.
 */

import t from 'tap';
import { callOperator, eventually, openCustomer, openOperator, startSharingEnv, waitForStatus } from './helpers/sharing.js';

const GLOBALS = `Object.getOwnPropertyNames(window).filter((n) => !/^\\d+$/.test(n)).sort()`;

t.test('hooks: no leaked globals, no page errors, no messages seen by the page', async (t) => {
  const env = await startSharingEnv(t);
  const plainCtx = await env.browser.newContext();
  t.teardown(() => plainCtx.close());
  const plain = await plainCtx.newPage();
  await plain.goto(env.origin.url + '/fields');
  const originGlobals = (await plain.evaluate(GLOBALS)) as string[];

  const customer = await openCustomer(env, '/fields');
  const errors: string[] = [];
  customer.page.on('pageerror', (e) => errors.push(e.message));
  await customer.content().evaluate(() => {
    const w = window as unknown as { __seen: unknown[] };
    w.__seen = [];
    addEventListener('message', (e) => w.__seen.push(e.data));
  });
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  operator.page.on('pageerror', (e) => errors.push(e.message));
  await waitForStatus(customer, 'connected');
  await eventually(async () => (await operator.content().$('#text')) !== null, 'operator on /fields');

  const c = customer.content();
  await c.click('#text');
  await customer.page.keyboard.type('abc');
  await c.click('#count');
  await c.evaluate(() => scrollTo(0, 300));
  await operator.content().click('#check');
  await eventually(
    async () => (await c.$eval('#check', (el) => (el as HTMLInputElement).checked)) === true,
    'operator check reached the customer',
  );

  const gatewayGlobals = ((await c.evaluate(GLOBALS)) as string[]).filter((n) => n !== '__seen');
  t.same(
    gatewayGlobals.filter((n) => !originGlobals.includes(n)),
    [],
    'the hooks and runtime add no globals to the page',
  );
  t.same(errors, [], 'nothing was thrown into either page');
  t.same(
    await c.evaluate(() => (window as unknown as { __seen: unknown[] }).__seen),
    [],
    "the page's message listeners never saw Tandem traffic",
  );
});
