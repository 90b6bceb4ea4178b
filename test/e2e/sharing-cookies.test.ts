/**
 * Co-browsing, logged-in pages: operators see the customer's logged-in pages in their mirror,
 * without any origin cookie in the operator's browser, and what the operator does on them is
 * done with the customer's login.
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
  waitForStatus,
} from './helpers/sharing.js';

t.test("sharing: the operator sees the customer's logged-in page and holds no origin cookie", async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/login');
  const c = customer.content();
  await c.fill('#who', 'bob');
  await c.click('#in');
  await until(() => c.textContent('#account').catch(() => ''), 'logged in as bob', 'customer logged in');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');

  await step(t, "the operator's mirror shows the customer's logged-in page", async () => {
    await until(() => contentPath(operator), '/account', 'operator on /account');
    await until(
      () =>
        operator
          .content()
          .textContent('#account')
          .catch(() => ''),
      'logged in as bob',
      'operator sees the logged-in page',
    );
    await sameDocument(customer, operator);
  });

  await step(t, 'a logged-in page the operator takes the customer to is logged in too', async () => {
    await typeAddress(operator, '/two');
    await until(() => contentPath(customer), '/two', 'customer on /two');
    await typeAddress(operator, '/account');
    await until(() => contentPath(customer), '/account', 'customer back on /account');
    await until(
      () =>
        operator
          .content()
          .textContent('#account')
          .catch(() => ''),
      'logged in as bob',
      'still logged in',
    );
  });

  const cookies = await operator.context.cookies();
  t.ok(cookies.length > 0, 'the operator holds its own Tandem cookies');
  t.same(
    cookies.filter((k) => !k.name.startsWith('tandem_')).map((k) => k.name),
    [],
    "no origin cookie in the operator's browser",
  );
});
