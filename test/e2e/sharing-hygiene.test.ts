/**
 * The hooks in someone else's page: no new globals, no errors thrown into the page while a
 * session shares it, and nothing of Tandem's in the page's own `message` events. The operator's
 * browser runs no page script and asks the origin for nothing: watching repeats no request.
 */

import t from 'tap';
import {
  callOperator,
  checkedOf,
  eventually,
  openCustomer,
  openOperator,
  startSharingEnv,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';

const GLOBALS = `Object.getOwnPropertyNames(window).filter((n) => !/^\\d+$/.test(n)).sort()`;

t.test('hooks: no leaked globals, no page errors, no messages seen by the page, nothing repeated', async (t) => {
  const env = await startSharingEnv(t);
  const plainCtx = await env.browser.newContext();
  t.teardown(() => plainCtx.close());
  const plain = await plainCtx.newPage();
  await plain.goto(env.origin.url + '/fields');
  const originGlobals = (await plain.evaluate(GLOBALS)) as string[];

  const customer = await openCustomer(env, '/fields');
  const errors: string[] = [];
  customer.page.on('pageerror', (e) => errors.push(`customer: ${e.message}`));
  await customer.content().evaluate(() => {
    const w = window as unknown as { __seen: unknown[] };
    w.__seen = [];
    addEventListener('message', (e) => w.__seen.push(e.data));
  });
  const hitsBefore = [...env.origin.counters.hits.values()].reduce((a, b) => a + b, 0);
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  operator.page.on('pageerror', (e) => errors.push(`operator: ${e.message}`));
  const nonGet: string[] = [];
  operator.page.on('request', (r) => {
    if (r.method() !== 'GET' && !new URL(r.url()).pathname.startsWith('/__tandem/')) nonGet.push(`${r.method()} ${r.url()}`);
  });
  await waitForStatus(customer, 'connected');
  await waitForContent(operator, '#text');

  const c = customer.content();
  await c.click('#text');
  await customer.page.keyboard.type('abc');
  await c.click('#count');
  await c.evaluate(() => scrollTo(0, 300));
  await operator.content().click('#check');
  await eventually(() => checkedOf(c, '#check'), 'operator check reached the customer');
  await operator.content().click('#count');
  await eventually(async () => (await c.textContent('#counter')) === '2', 'operator click reached the customer');

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
  t.equal(
    [...env.origin.counters.hits.values()].reduce((a, b) => a + b, 0),
    hitsBefore,
    'the operator joining, watching and clicking made no request at the origin',
  );
  t.same(nonGet, [], "the operator's browser sent nothing but GET through the proxy");
  t.equal(await operator.content().$$eval('script', (s) => s.length), 0, "the operator's mirror holds no script");
});
