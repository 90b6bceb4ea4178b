/** Joining by code from the console, with the customer and the operator on different replicas. */

import t from 'tap';
import { callOperator, contentPath, eventually, openCustomer, startSharingEnv, waitForStatus } from './helpers/sharing.js';
import { openConsole, shellOf } from './flow-helpers.js';

t.test('flow: join by code from the console', async (t) => {
  const env = await startSharingEnv(t, { replicas: true, operators: ['alice'] });
  const customer = await openCustomer(env, '/two', { base: env.urls[0] });
  const call = await callOperator(customer);
  const alice = await openConsole(env, env.urls[1], 'alice');
  await alice.page.fill('[data-tandem="join-code"]', '000000');
  await alice.page.click('[data-tandem="join-submit"]');
  await alice.page.waitForFunction(() => /code/.test(document.querySelector('[data-tandem="join-error"]')?.textContent ?? ''));
  t.pass('a wrong code is refused in place');
  await alice.page.fill('[data-tandem="join-code"]', call.code);
  await alice.page.click('[data-tandem="join-submit"]');
  await alice.page.waitForURL(`**/__tandem/s/${call.id}`);
  const shell = shellOf(alice);
  await waitForStatus(shell, 'connected');
  await waitForStatus(customer, 'connected');
  await eventually(async () => (await contentPath(shell)) === '/two', 'the operator sees the customer page');
  t.pass('joined by code, in sync');
});
