/**
 * Co-browsing inside frames: a frame from another, allowed origin (which the gateway serves
 * from its own origin) has its own hooks and its own frame path (`top/1`): its fields and its
 * navigation are shared like the top page's.
 */

import t from 'tap';
import { callOperator, contentPath, eventually, openCustomer, openOperator, startSharingEnv, waitForStatus } from './helpers/sharing.js';

t.test('sharing: a frame of an allowed origin shares its fields and its navigation', async (t) => {
  const env = await startSharingEnv(t, { second: true });
  const src = `${env.second!.url}/child`;
  const path = `/xframe?src=${encodeURIComponent(src)}`;
  const customer = await openCustomer(env, path);
  await eventually(
    async () =>
      customer.content().childFrames().length === 1 &&
      (await customer
        .frame('top/1')
        .$('#child-input')
        .catch(() => null)) !== null,
    'child frame loaded',
  );
  t.match(customer.frame('top/1').url(), /\/__tandem\/o\/http\/127\.0\.0\.1:\d+\/child$/, 'the other origin is served through the gateway');

  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await eventually(async () => (await contentPath(operator)) === path, 'operator on the page');
  await eventually(
    async () =>
      operator.content().childFrames().length === 1 &&
      (await operator
        .frame('top/1')
        .$('#child-input')
        .catch(() => null)) !== null,
    'operator child frame',
  );

  await customer.frame('top/1').click('#child-input');
  await customer.page.keyboard.type('in a frame');
  await eventually(
    async () => (await operator.frame('top/1').$eval('#child-input', (el) => (el as HTMLInputElement).value)) === 'in a frame',
    'child field shared',
  );
  t.pass('a field in the allowed-origin frame is shared');

  await operator.frame('top/1').click('#child-next');
  await eventually(async () => customer.frame('top/1').url().endsWith('/child2'), 'customer child frame follows');
  t.equal(await contentPath(customer), path, "the customer's top page stays");
  t.ok(operator.frame('top/1').url().endsWith('/child2'), "the operator's frame is where it went");
});
