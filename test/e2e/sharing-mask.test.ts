/**
 * Co-browsing, masking: password, TANDEM_MASK, data-tandem-mask and payment-card fields never
 * leave the customer's browser (not in the operator's DOM, not in the log), and operators
 * cannot type into them.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import {
  callOperator,
  eventually,
  openCustomer,
  openOperator,
  sessionLog,
  startSharingEnv,
  testTokens,
  waitForStatus,
} from './helpers/sharing.js';
import { HubClient } from '../helpers/hub-client.js';

const value = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).value);

t.test('sharing: masked fields never leave the customer and cannot be typed into by operators', async (t) => {
  const env = await startSharingEnv(t, { env: { TANDEM_MASK: '.ssn' } });
  const customer = await openCustomer(env, '/masked');
  const c = customer.content();
  // Typed before the call too: the state send must leave them out.
  await c.fill('#pass', 'hunter2-secret');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const o = () => operator.content();
  await eventually(async () => (await o().$('#user')) !== null, 'operator on /masked');

  const secrets: [string, string][] = [
    ['#card', '4111111111111111'],
    ['#csc', '737'],
    ['#secret', 'tandem-mask-attr-value'],
    ['#ssn', 'ssn-selector-value'],
  ];
  for (const [sel, v] of secrets) {
    await c.click(sel);
    await customer.page.keyboard.type(v);
  }
  await c.click('#user');
  await customer.page.keyboard.type('bob');
  await eventually(async () => (await value(o(), '#user')) === 'bob', 'unmasked field shared');

  // What the operator's page holds: the text, every field's value and every field's attributes
  // (not the whole markup, whose URLs carry random port numbers that a CVC could match).
  const shown = await o().evaluate(() => {
    const out = [document.body.innerText];
    const fields = document.querySelectorAll<HTMLInputElement>('input, textarea, select, [contenteditable]');
    for (let i = 0; i < fields.length; i++) {
      const el = fields[i];
      out.push(el.value ?? '', el.textContent ?? '');
      for (let j = 0; j < el.attributes.length; j++) out.push(el.attributes[j].value);
    }
    return out;
  });
  for (const v of ['hunter2-secret', ...secrets.map((s) => s[1])])
    t.notOk(
      shown.some((x) => x.includes(v)),
      `the operator's DOM never holds ${v.slice(0, 6)}…`,
    );
  for (const sel of ['#pass', ...secrets.map((s) => s[0])]) {
    t.equal(await value(o(), sel), '', `${sel} is empty on the operator side`);
    t.ok(
      await o().$eval(sel, (el) => el.hasAttribute('data-tandem-masked') && (el as HTMLInputElement).readOnly),
      `${sel} is shown masked and read-only`,
    );
  }

  // The operator tries to type into a masked field.
  await o().click('#pass', { force: true });
  await operator.page.keyboard.type('evil');
  t.equal(await value(o(), '#pass'), '', 'the operator cannot type into a masked field');

  // A forged input command for a masked field is refused by the customer's hooks.
  const mallory = await HubClient.connect(env.urls[0], testTokens.hub(call.id, 'o-mallory', 'operator', 'mallory', 60_000));
  t.teardown(() => mallory.close());
  mallory.send({ k: 'top/form/0/pass', op: 'input', d: { value: 'overwritten' } });
  mallory.send({ k: 'top/form/0/user', op: 'input', d: { value: 'after' } });
  await eventually(async () => (await value(c, '#user')) === 'after', 'the later command applied');
  t.equal(await value(c, '#pass'), 'hunter2-secret', "the customer's masked value is untouched");

  // Every string the log holds (keys and data), so that a short secret like a CVC is not
  // confused with digits of a timestamp or a seq.
  const strings: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  for (const cmd of await sessionLog(env, call)) collect([cmd.k, cmd.d]);
  for (const v of ['hunter2-secret', ...secrets.map((s) => s[1])])
    t.notOk(
      strings.some((x) => x.includes(v)),
      `the session log never holds ${v.slice(0, 6)}…`,
    );
  t.ok(strings.includes('bob'), 'the log holds the unmasked value');
});
