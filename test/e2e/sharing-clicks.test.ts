/**
 * Co-browsing, clicks and submits: the operator's clicks in the mirror are carried out on the
 * customer's page, whose own scripts react once; a link or a form loads once, at the customer;
 * a POST reaches the origin once, whoever pressed the button, and everyone sees its response.
 */

import t from 'tap';
import {
  callOperator,
  contentPath,
  openCustomer,
  openOperator,
  sameDocument,
  startSharingEnv,
  step,
  typeAddress,
  until,
  valueOf,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';

const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

t.test("sharing: clicks drive the customer's page, a link loads once", async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  await waitForContent(operator, '#count');

  await step(t, "the customer's clicks show in the mirror", async () => {
    for (let i = 0; i < 3; i++) await c.click('#count');
    await until(() => o().textContent('#counter'), '3', "operator's counter at 3");
  });
  await step(t, "the operator's clicks run the page's script once, on the customer's page", async () => {
    for (let i = 0; i < 2; i++) await o().click('#count');
    await until(() => c.textContent('#counter'), '5', "customer's counter at 5");
    await settle();
    t.equal(await c.textContent('#counter'), '5', 'each click counted once on the customer page');
    t.equal(await o().textContent('#counter'), '5', 'and the mirror shows it');
  });
  await step(t, "a double click in the mirror is two clicks on the customer's page", async () => {
    await o().dblclick('#count');
    await until(() => c.textContent('#counter'), '7', "customer's counter at 7");
    await until(() => o().textContent('#counter'), '7', "operator's counter at 7");
  });

  // A link clicked by the customer: both on the page, which the origin served once.
  await c.evaluate(() => (location.href = '/order'));
  await until(() => contentPath(operator), '/order', 'operator on /order');
  await waitForContent(operator, '#to-link');
  await step(t, "a link clicked by the customer is followed in the operator's mirror, loaded once", async () => {
    const before = env.origin.counters.hits.get('/two') ?? 0;
    await c.click('#to-link');
    await until(() => contentPath(operator), '/two?x=link', 'operator address on the link target');
    await until(() => contentPath(customer), '/two?x=link', 'customer address on the link target');
    await until(() => o().textContent('#two'), 'two link', 'the mirror shows the target page');
    await settle();
    t.equal((env.origin.counters.hits.get('/two') ?? 0) - before, 1, 'the link target was loaded once, by the customer');
  });

  // The operator takes the customer back through the address bar, then clicks the link.
  await step(t, 'an address typed by the operator takes the customer there', async () => {
    await typeAddress(operator, '/order');
    await until(() => contentPath(customer), '/order', 'customer back on /order');
    await until(() => contentPath(operator), '/order', 'operator address back on /order');
    await waitForContent(operator, '#to-link');
  });
  await step(t, 'a link clicked by the operator takes the customer there, loaded once', async () => {
    const before = env.origin.counters.hits.get('/two') ?? 0;
    await o().click('#to-link');
    await until(() => contentPath(customer), '/two?x=link', 'customer follows the operator link');
    await until(() => o().textContent('#two'), 'two link', 'the mirror shows the target page');
    await settle();
    t.equal((env.origin.counters.hits.get('/two') ?? 0) - before, 1, "an operator's link click loads the page once");
  });
});

t.test('sharing: a POST reaches the origin once and everyone sees its response', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/order');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  await waitForContent(operator, '#item');

  await step(t, 'the customer submits: one POST, the operator sees the response', async () => {
    await c.fill('#item', 'book');
    await until(() => valueOf(o(), '#item'), 'book', 'value shared');
    await c.click('#buy');
    await waitForContent(customer, '#thanks');
    await waitForContent(operator, '#thanks');
    await settle();
    t.equal(env.origin.counters.posts, 1, 'the POST reached the origin exactly once');
    t.equal(await o().textContent('#thanks'), 'thanks for book', 'the operator sees the response the customer got');
    t.equal(await o().textContent('#post-number'), 'post 1', 'the very same response');
  });

  await step(t, "the operator types and submits: one POST, the customer's page has the response", async () => {
    await typeAddress(operator, '/order');
    await until(() => contentPath(customer), '/order', 'customer back on /order');
    await waitForContent(customer, '#item');
    await waitForContent(operator, '#item');
    await o().click('#item');
    await operator.page.keyboard.type('pen');
    await until(() => valueOf(c, '#item'), 'pen', 'the customer page has the typed value');
    await o().click('#buy');
    await until(() => c.textContent('#thanks').catch(() => ''), 'thanks for pen', 'customer sees the operator POST response');
    await until(
      () =>
        o()
          .textContent('#thanks')
          .catch(() => ''),
      'thanks for pen',
      'and so does the operator',
    );
    await settle();
    t.equal(env.origin.counters.posts, 2, "the operator's POST reached the origin exactly once");
    t.equal(await c.textContent('#post-number'), 'post 2', 'the customer page shows the second POST');
    t.equal(await o().textContent('#post-number'), 'post 2', 'the mirror shows the same response');
  });

  await step(t, 'the operator submits with Enter in the field: one POST', async () => {
    await typeAddress(operator, '/order');
    await until(() => contentPath(customer), '/order', 'customer back on /order');
    await waitForContent(operator, '#item');
    await o().click('#item');
    await operator.page.keyboard.type('cup');
    await operator.page.keyboard.press('Enter');
    await until(() => c.textContent('#thanks').catch(() => ''), 'thanks for cup', 'customer sees the Enter submit');
    await settle();
    t.equal(env.origin.counters.posts, 3, 'an Enter submit reached the origin exactly once');
  });

  await step(t, 'a GET form submitted with Enter by the customer is followed', async () => {
    await c.evaluate(() => (location.href = '/search'));
    await waitForContent(operator, '#q');
    await c.click('#q');
    await customer.page.keyboard.type('shoes');
    await customer.page.keyboard.press('Enter');
    await until(() => contentPath(operator), '/results?q=shoes', 'operator on the results');
    await until(() => o().textContent('#results'), 'results for shoes', 'the mirror shows the results');
  });

  await step(t, 'a GET form submitted by the operator takes the customer to the results', async () => {
    await typeAddress(operator, '/search');
    await waitForContent(operator, '#q');
    await o().click('#q');
    await operator.page.keyboard.type('hats');
    await o().click('#go');
    await until(() => contentPath(customer), '/results?q=hats', 'customer on the results');
    await until(() => o().textContent('#results'), 'results for hats', 'the mirror shows the results');
    await sameDocument(customer, operator);
  });
  t.equal(env.origin.counters.posts, 3, 'no POST was ever repeated');
});
