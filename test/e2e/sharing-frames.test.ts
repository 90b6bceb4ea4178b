/**
 * Co-browsing inside frames: a frame from another, allowed origin (which the gateway serves
 * from its own origin, so it is same-origin to the page) appears inside the operator's mirror;
 * its fields and its navigation are shared both ways, and the top page stays.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  openOperator,
  startSharingEnv,
  step,
  until,
  valueOf,
  waitForStatus,
} from './helpers/sharing.js';

t.test('sharing: a frame of an allowed origin shows in the mirror, its fields and navigation shared', async (t) => {
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
  await until(() => contentPath(operator), path, 'operator on the page');
  const child = (): Frame => {
    const f = operator.content().childFrames()[0];
    if (!f) throw new Error('no child frame in the mirror');
    return f;
  };
  await step(t, 'the child frame appears inside the mirror', async () => {
    await eventually(async () => (await child().$('#child-input')) !== null, 'operator child frame');
  });

  await step(t, 'a field in the allowed-origin frame typed by the customer shows in the mirror', async () => {
    await customer.frame('top/1').click('#child-input');
    await customer.page.keyboard.type('in a frame');
    await until(() => valueOf(child(), '#child-input'), 'in a frame', 'child field shared');
  });

  await step(t, 'the operator types into the field of the frame', async () => {
    await child().click('#child-input');
    await operator.page.keyboard.press('End');
    await operator.page.keyboard.type('!');
    await until(() => valueOf(customer.frame('top/1'), '#child-input'), 'in a frame!', 'customer child field');
    await until(() => valueOf(child(), '#child-input'), 'in a frame!', 'mirror child field');
  });

  await step(t, "a link in the frame clicked by the operator navigates the customer's frame", async () => {
    await child().click('#child-next');
    await eventually(async () => customer.frame('top/1').url().endsWith('/child2'), 'customer child frame follows');
    await until(
      () =>
        child()
          .textContent('#child2')
          .catch(() => ''),
      'child two',
      'the mirror shows the new frame page',
    );
    t.equal(await contentPath(customer), path, "the customer's top page stays");
    t.equal(await contentPath(operator), path, "and the operator's address too");
  });
});
