/**
 * Co-browsing, logged-in pages: operators see the customer's logged-in pages, the session's
 * origin cookies kept by the gateway, without any origin cookie in the operator's browser.
 */

import t from 'tap';
import { callOperator, contentPath, eventually, openCustomer, openOperator, startSharingEnv, waitForStatus } from './helpers/sharing.js';

t.test("sharing: the operator sees the customer's logged-in page and holds no origin cookie", async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/login');
  const c = customer.content();
  await c.fill('#who', 'bob');
  await c.click('#in');
  await eventually(
    async () => (await c.$('#account')) !== null && (await c.textContent('#account')) === 'logged in as bob',
    'customer logged in',
  );
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await eventually(async () => (await contentPath(operator)) === '/account', 'operator on /account');
  await eventually(
    async () =>
      (await operator
        .content()
        .textContent('#account')
        .catch(() => '')) === 'logged in as bob',
    'operator sees the logged-in page',
  );
  t.pass("the operator's content frame shows the customer's logged-in page");
  const cookies = await operator.context.cookies();
  t.ok(cookies.length > 0, 'the operator holds its own Tandem cookies');
  t.same(
    cookies.filter((k) => !k.name.startsWith('tandem_')).map((k) => k.name),
    [],
    "no origin cookie in the operator's browser",
  );
});
