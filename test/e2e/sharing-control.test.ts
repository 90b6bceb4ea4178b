/**
 * Co-browsing, operator control: `ask` waits for the customer's grant, `never` keeps operators
 * to pointing and drawing; invite and leave.
 */

import t from 'tap';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  openOperator,
  startSharingEnv,
  waitForStatus,
  mouseTo,
  pointerOf,
  participantId,
} from './helpers/sharing.js';

t.test('sharing: operator control ask waits for the grant, never keeps the operator to pointing', async (t) => {
  const env = await startSharingEnv(t, { env: { TANDEM_OPERATOR_CONTROL: 'ask' } });
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  await eventually(async () => (await o().$('#count')) !== null, 'operator on /fields');
  t.ok(await customer.page.$('[data-tandem="grant-control"]'), 'the customer has the grant toggle');

  await o().click('#count');
  await o().click('#text');
  await operator.page.keyboard.type('nope');
  await new Promise((r) => setTimeout(r, 500));
  t.equal(await o().textContent('#counter'), '0', "without a grant the operator's click does nothing");
  t.equal(await c.textContent('#counter'), '0', 'and nothing reaches the customer');
  t.equal(await c.$eval('#text', (el) => (el as HTMLInputElement).value), '', 'typing neither');

  await customer.page.check('[data-tandem="grant-control"]');
  await eventually(async () => (await operator.page.getAttribute('body', 'data-control')) === 'allowed', 'operator gets control');
  await o().click('#count');
  await eventually(async () => (await c.textContent('#counter')) === '1', 'granted click reaches the customer');
  t.equal(await o().textContent('#counter'), '1', 'and acts on the operator page');
  await o().click('#text');
  await operator.page.keyboard.type('ok');
  await eventually(async () => (await c.$eval('#text', (el) => (el as HTMLInputElement).value)) === 'ok', 'granted typing');

  await customer.page.uncheck('[data-tandem="grant-control"]');
  await eventually(async () => (await operator.page.getAttribute('body', 'data-control')) === 'denied', 'control withdrawn');
  await o().click('#count');
  await new Promise((r) => setTimeout(r, 400));
  t.equal(await c.textContent('#counter'), '1', 'withdrawn: clicks stop again');
});

t.test('sharing: never mode lets operators point but not drive; invite and leave', async (t) => {
  const env = await startSharingEnv(t, { env: { TANDEM_OPERATOR_CONTROL: 'never' } });
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const o = () => operator.content();
  await eventually(async () => (await o().$('#count')) !== null, 'operator on /fields');
  t.notOk(await customer.page.$('[data-tandem="grant-control"]'), 'no grant toggle in never mode');
  await o().click('#count');
  await o().click('#to-two');
  await new Promise((r) => setTimeout(r, 500));
  t.equal(await customer.content().textContent('#counter'), '0', 'an operator click does nothing');
  t.equal(await contentPath(customer), '/fields', 'nor does an operator link');
  const opId = await participantId(customer, 'operator');
  await mouseTo(operator, 200, 150);
  await eventually(() => pointerOf(customer.content(), opId), 'pointer still shared');
  t.pass('the pointer is still shared');

  await operator.page.click('[data-tandem="invite"]');
  await eventually(async () => (await operator.page.textContent('[data-tandem="invite"]')) === 'Invited', 'invite sent');
  t.pass('invite answers');

  await operator.page.click('[data-tandem="leave"]');
  await waitForStatus(operator, 'ended');
  await waitForStatus(customer, 'waiting');
  t.notMatch(await customer.page.textContent('[data-tandem="participants"]'), /alice/, 'the operator left the list');
});
