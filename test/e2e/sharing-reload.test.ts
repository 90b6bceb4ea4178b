/**
 * Co-browsing, a customer who reloads the tab keeps the session: same code, same page, the
 * fields restored from the log, and sharing goes on.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import { callOperator, contentPath, eventually, openOperator, openCustomer, startSharingEnv, waitForStatus } from './helpers/sharing.js';

const value = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).value);

t.test('sharing: a customer reload keeps the session, the page and its values', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await customer.content().click('#to-fields');
  await eventually(
    async () =>
      (await operator
        .content()
        .$('#text')
        .catch(() => null)) !== null,
    'operator on /fields',
  );
  await customer.content().click('#text');
  await customer.page.keyboard.type('keep me');
  await eventually(async () => (await value(operator.content(), '#text')) === 'keep me', 'operator in step');

  await customer.page.reload();
  await waitForStatus(customer, 'connected');
  t.equal(await customer.page.textContent('[data-tandem="code"]'), call.code, 'the same session and code after a reload');
  t.equal(await contentPath(customer), '/fields', 'the tab reopened on the shared page');
  await eventually(async () => (await value(customer.content(), '#text').catch(() => '')) === 'keep me', 'values restored');
  t.pass("the customer's values are restored from the log");
  t.equal(await contentPath(operator), '/fields', 'the operator was not moved');

  await customer.content().click('#count');
  await eventually(async () => (await operator.content().textContent('#counter')) === '1', 'sharing goes on');
  t.pass('sharing goes on after the reload');
});
