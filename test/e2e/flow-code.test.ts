/** Joining by code from the console, with the customer and the operator on different replicas. */

import t from 'tap';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  sameDocument,
  seenState,
  startSharingEnv,
  waitForStatus,
} from './helpers/sharing.js';
import { openConsole, shellOf } from './flow-helpers.js';

t.test('flow: join by code from the console', async (t) => {
  const env = await startSharingEnv(t, { replicas: true, operators: ['alice'] });
  const customer = await openCustomer(env, '/two', { base: env.urls[0] });
  const call = await callOperator(customer);
  const probe = await env.browser.newContext();
  const login = await probe.newPage();
  await login.goto(`${env.urls[1]}/__tandem/console`);
  await login.fill('[data-tandem="login-name"]', 'alice');
  await login.fill('[data-tandem="login-password"]', 'not her password');
  await login.click('[data-tandem="login-submit"]');
  await login.waitForFunction(() =>
    /wrong name or password/i.test(document.querySelector('[data-tandem="login-error"]')?.textContent ?? ''),
  );
  t.equal(await login.evaluate(() => document.body.dataset.view), 'login', 'a wrong password keeps the login form, with a message');
  await probe.close();

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
  await sameDocument(customer, shell);
  t.same(await seenState(shell.content()), await seenState(customer.content()), 'joined by code, in sync: the mirror is the customer page');
});
