/**
 * Co-browsing, a customer who reloads the tab keeps the session: same code, same page, the
 * operator's mirror shows the reloaded page as the customer sees it, and sharing goes on.
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
  until,
  valueOf,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';

t.test('sharing: a customer reload keeps the session and the page, and the mirror follows', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await customer.content().click('#to-fields');
  await waitForContent(operator, '#text');
  await customer.content().click('#text');
  await customer.page.keyboard.type('keep me');
  await until(() => valueOf(operator.content(), '#text'), 'keep me', 'operator in step');

  await customer.page.reload();
  await waitForStatus(customer, 'connected');
  t.equal(await customer.page.textContent('[data-tandem="code"]'), call.code, 'the same session and code after a reload');
  await step(t, 'the tab reopened on the shared page', () => until(() => contentPath(customer), '/fields', 'customer address'));
  await step(t, 'the operator stays on the page', () => until(() => contentPath(operator), '/fields', 'operator address'));
  await step(t, "the operator's mirror shows the reloaded page as the customer sees it", async () => {
    await waitForContent(customer, '#text');
    await sameDocument(customer, operator);
  });

  await step(t, 'sharing goes on after the reload, both ways', async () => {
    await customer.content().click('#count');
    await until(() => operator.content().textContent('#counter'), '1', 'the customer click shows');
    await operator.content().click('#count');
    await until(() => customer.content().textContent('#counter'), '2', 'the operator click reaches the customer');
    await until(() => operator.content().textContent('#counter'), '2', 'and shows in the mirror');
  });
});
