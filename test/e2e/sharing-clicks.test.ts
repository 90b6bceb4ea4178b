/**
 * Co-browsing, clicks and submits: replayed clicks drive the page's own scripts on both sides,
 * a link click navigates once per participant, and a POST reaches the origin once.
 */

import t from 'tap';
import { callOperator, contentPath, eventually, openCustomer, openOperator, startSharingEnv, waitForStatus } from './helpers/sharing.js';

const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

t.test('sharing: clicks replay as real events, a link navigates each side once', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  await eventually(async () => (await o().$('#count')) !== null, 'operator on /fields');

  for (let i = 0; i < 3; i++) await c.click('#count');
  await eventually(async () => (await o().textContent('#counter')) === '3', "operator's counter at 3");
  for (let i = 0; i < 2; i++) await o().click('#count');
  await eventually(async () => (await c.textContent('#counter')) === '5', "customer's counter at 5");
  await settle();
  t.equal(await o().textContent('#counter'), '5', 'the JS counter ends equal on both sides');
  t.equal(await c.textContent('#counter'), '5');

  // A link click: both end on the page, and the origin serves it once to each.
  await c.evaluate(() => (location.href = '/order'));
  await eventually(async () => (await contentPath(operator)) === '/order', 'operator on /order');
  await o().waitForSelector('#to-link');
  const before = env.origin.counters.hits.get('/two') ?? 0;
  await c.click('#to-link');
  await eventually(
    async () => (await contentPath(operator)) === '/two?x=link' && (await contentPath(customer)) === '/two?x=link',
    'both on the link target',
  );
  await settle(600);
  t.equal((env.origin.counters.hits.get('/two') ?? 0) - before, 2, 'the link target was loaded once per participant: no double navigation');

  // The same from the operator's side.
  await o().evaluate(() => void setTimeout(() => (location.href = '/order'), 0));
  await eventually(async () => (await contentPath(customer)) === '/order', 'customer back on /order');
  await eventually(async () => (await o().$('#to-link')) !== null, 'operator page ready');
  const before2 = env.origin.counters.hits.get('/two') ?? 0;
  await o().click('#to-link');
  await eventually(async () => (await contentPath(customer)) === '/two?x=link', 'customer follows the operator link');
  await settle(600);
  t.equal((env.origin.counters.hits.get('/two') ?? 0) - before2, 2, "an operator's link click loads once per participant too");
});

t.test('sharing: a POST reaches the origin once and everyone sees its response', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/order');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  await eventually(async () => (await o().$('#item')) !== null, 'operator on /order');

  await c.fill('#item', 'book');
  await eventually(async () => (await o().$eval('#item', (el) => (el as HTMLInputElement).value)) === 'book', 'value shared');
  await c.click('#buy');
  await eventually(async () => (await c.$('#thanks')) !== null, 'customer sees the response');
  await eventually(
    async () =>
      (await o()
        .$('#thanks')
        .catch(() => null)) !== null,
    'operator sees the response',
  );
  await settle(600);
  t.equal(env.origin.counters.posts, 1, 'the POST reached the origin exactly once');
  t.equal(await o().textContent('#thanks'), 'thanks for book', 'the operator sees the response the customer got');
  t.equal(await o().textContent('#post-number'), 'post 1', 'the very same response');

  // The operator submits (control: always): still once.
  await o().evaluate(() => (location.href = '/order'));
  await eventually(async () => (await contentPath(customer)) === '/order', 'customer back on /order');
  await eventually(async () => (await o().$('#item')) !== null && (await c.$('#item')) !== null, 'both on the form');
  await o().fill('#item', 'pen');
  await o().click('#buy');
  await eventually(
    async () => (await c.$('#thanks').catch(() => null)) !== null && (await c.textContent('#thanks')) === 'thanks for pen',
    'customer sees the operator POST response',
  );
  await settle(600);
  t.equal(env.origin.counters.posts, 2, "the operator's POST reached the origin exactly once");
  t.equal(await c.textContent('#post-number'), 'post 2');

  // A GET form submitted with Enter is a navigation.
  await c.evaluate(() => (location.href = '/search'));
  await eventually(
    async () =>
      (await o()
        .$('#q')
        .catch(() => null)) !== null,
    'operator on /search',
  );
  await c.click('#q');
  await customer.page.keyboard.type('shoes');
  await customer.page.keyboard.press('Enter');
  await eventually(async () => (await contentPath(operator)) === '/results?q=shoes', 'operator on the results');
  t.equal(await o().textContent('#results'), 'results for shoes', 'a GET submit is followed as a navigation');
});
