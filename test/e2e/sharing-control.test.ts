/**
 * Co-browsing, operator control: `ask` waits for the customer's grant, `never` keeps operators
 * to pointing and drawing; without control nothing the operator does in the mirror reaches the
 * customer's page (clicks, typing, links, the address bar). Invite and leave.
 */

import t from 'tap';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  openOperator,
  startSharingEnv,
  step,
  typeAddress,
  until,
  valueOf,
  waitForContent,
  waitForStatus,
  mouseTo,
  pointerOf,
  participantId,
} from './helpers/sharing.js';

const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

t.test('sharing: operator control ask waits for the grant', async (t) => {
  const env = await startSharingEnv(t, { env: { TANDEM_OPERATOR_CONTROL: 'ask' } });
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  await waitForContent(operator, '#count');
  t.ok(await customer.page.$('[data-tandem="grant-control"]'), 'the customer has the grant toggle');
  t.equal(await operator.page.getAttribute('body', 'data-control'), 'denied', 'the operator starts without control');

  await step(t, 'without a grant nothing the operator does reaches the customer', async () => {
    await o().click('#count');
    await o().click('#text');
    await operator.page.keyboard.type('nope');
    await o().click('#check');
    await o().click('#to-two');
    await typeAddress(operator, '/two');
    await settle();
    t.equal(await c.textContent('#counter'), '0', "the operator's click did not reach the customer");
    t.equal(await valueOf(c, '#text'), '', 'nor the typing');
    t.notOk(await c.$eval('#check', (el) => (el as HTMLInputElement).checked), 'nor the checkbox');
    t.equal(await contentPath(customer), '/fields', 'nor the link or the address bar');
    t.equal(await o().textContent('#counter'), '0', 'the mirror shows the customer page unchanged');
    t.equal(await valueOf(o(), '#text'), '', 'and no typing of the operator in the mirror');
    t.notOk(await o().$eval('#check', (el) => (el as HTMLInputElement).checked), 'nor a checked box');
  });

  await step(t, 'granted: clicks and typing reach the customer and show in the mirror', async () => {
    await customer.page.check('[data-tandem="grant-control"]');
    await until(() => operator.page.getAttribute('body', 'data-control'), 'allowed', 'operator gets control');
    await o().click('#count');
    await until(() => c.textContent('#counter'), '1', 'granted click reaches the customer');
    await until(() => o().textContent('#counter'), '1', 'and shows in the mirror');
    await o().click('#text');
    await operator.page.keyboard.type('ok');
    await until(() => valueOf(c, '#text'), 'ok', 'granted typing');
    await until(() => valueOf(o(), '#text'), 'ok', 'granted typing in the mirror');
  });

  await step(t, 'withdrawn: clicks and typing stop again', async () => {
    await customer.page.uncheck('[data-tandem="grant-control"]');
    await until(() => operator.page.getAttribute('body', 'data-control'), 'denied', 'control withdrawn');
    await o().click('#count');
    await o().click('#text');
    await operator.page.keyboard.type('more');
    await settle();
    t.equal(await c.textContent('#counter'), '1', 'withdrawn: clicks stop again');
    t.equal(await valueOf(c, '#text'), 'ok', 'and typing');
    t.equal(await valueOf(o(), '#text'), 'ok', 'the mirror still shows the customer value');
  });
});

t.test('sharing: never mode lets operators point but not drive; invite and leave', async (t) => {
  const env = await startSharingEnv(t, { env: { TANDEM_OPERATOR_CONTROL: 'never' } });
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  await waitForContent(operator, '#count');
  t.notOk(await customer.page.$('[data-tandem="grant-control"]'), 'no grant toggle in never mode');

  await step(t, 'an operator click, typing, a link or an address does nothing', async () => {
    await o().click('#count');
    await o().click('#text');
    await operator.page.keyboard.type('nope');
    await o().click('#to-two');
    await typeAddress(operator, '/two');
    await settle();
    t.equal(await c.textContent('#counter'), '0', 'an operator click does nothing');
    t.equal(await valueOf(c, '#text'), '', 'nor typing');
    t.equal(await contentPath(customer), '/fields', 'nor an operator link or address');
    t.equal(await valueOf(o(), '#text'), '', 'the mirror shows no typing');
  });

  await step(t, 'the pointer is still shared', async () => {
    const opId = await participantId(customer, 'operator');
    await mouseTo(operator, 200, 150);
    await eventually(() => pointerOf(customer.content(), opId), 'pointer still shared');
  });

  await step(t, 'invite answers', async () => {
    await operator.page.click('[data-tandem="invite"]');
    await until(() => operator.page.textContent('[data-tandem="invite"]'), 'Invited', 'invite sent');
  });

  await operator.page.click('[data-tandem="leave"]');
  await waitForStatus(operator, 'ended');
  await waitForStatus(customer, 'waiting');
  t.notMatch(await customer.page.textContent('[data-tandem="participants"]'), /alice/, 'the operator left the list');
});
