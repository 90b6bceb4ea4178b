/**
 * Co-browsing, form values, focus, masking and no echo: asserted on the other side's DOM and
 * on the session's log.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import { callOperator, eventually, openCustomer, openOperator, sessionLog, startSharingEnv, testTokens, waitForStatus } from './helpers/sharing.js';
import { HubClient } from '../helpers/hub-client.js';

const value = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).value);
const checked = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).checked);

t.test('sharing: every kind of field, both ways, one command per keystroke, caret kept', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  await eventually(async () => (await o().$('#text')) !== null, 'operator on /fields');
  await o().waitForLoadState('domcontentloaded');

  // Text, typed key by key by the customer.
  await c.click('#text');
  await customer.page.keyboard.type('hello', { delay: 20 });
  await eventually(async () => (await value(o(), '#text')) === 'hello', 'operator sees hello');
  t.pass('text typed by the customer shows on the operator side');

  // Focus is shown on the other side.
  await eventually(async () => (await o().$eval('#text', (el) => el.getAttribute('data-tandem-focus'))) === 'Customer', 'focus marker');
  t.pass("the customer's focused field is marked on the operator side");

  // Caret-safe: the operator's caret stays with its text when the customer inserts before it.
  await o().click('#text');
  await o().$eval('#text', (el) => (el as HTMLInputElement).setSelectionRange(5, 5));
  await c.$eval('#text', (el) => (el as HTMLInputElement).setSelectionRange(0, 0));
  await customer.page.keyboard.type('X');
  await eventually(async () => (await value(o(), '#text')) === 'Xhello', 'operator sees Xhello');
  t.equal(await o().$eval('#text', (el) => (el as HTMLInputElement).selectionStart), 6, "the operator's caret moved with its text");

  // Textarea, typed by the operator.
  await o().click('#area');
  await operator.page.keyboard.type('from op', { delay: 10 });
  await eventually(async () => (await value(c, '#area')) === 'from op', 'customer sees the textarea');
  t.pass('a textarea typed by the operator shows on the customer side');

  // Selects.
  await c.selectOption('#one', 'c');
  await eventually(async () => (await value(o(), '#one')) === 'c', 'select one');
  await o().selectOption('#many', ['x', 'z']);
  await eventually(async () => JSON.stringify(await c.$eval('#many', (s) => Array.from((s as HTMLSelectElement).selectedOptions, (x) => x.value))) === '["x","z"]', 'select many');
  t.pass('single and multiple selects are shared');

  // Checkbox and radio.
  await o().check('#check');
  await eventually(() => checked(c, '#check'), 'checkbox');
  await c.check('#green');
  await eventually(() => checked(o(), '#green'), 'radio');
  t.notOk(await checked(o(), '#red'), 'the other radio of the group is off');

  // Range and date/time, by keyboard.
  await c.focus('#range');
  for (let i = 0; i < 3; i++) await customer.page.keyboard.press('ArrowRight');
  await eventually(async () => (await value(o(), '#range')) === '13', 'range');
  await c.focus('#date');
  await customer.page.keyboard.type('05062024');
  await eventually(async () => (await value(o(), '#date')) === '2024-05-06', 'date');
  await c.focus('#time');
  await customer.page.keyboard.type('1030AM');
  await eventually(async () => (await value(o(), '#time')) === '10:30', 'time');
  t.pass('range, date and time are shared');

  // Contenteditable.
  await c.click('#editor');
  await customer.page.keyboard.type('rich');
  await eventually(async () => (await o().textContent('#editor')) === 'rich', 'contenteditable');
  t.pass('contenteditable text is shared');

  // A formless named field.
  await o().fill('input[name=loose]', 'loose one');
  await eventually(async () => (await value(c, 'input[name=loose]')) === 'loose one', 'formless field');

  // One command per keystroke, none echoed back (the empty values are the call's state send).
  const log = await sessionLog(env, call);
  const typed = (k: string) => log.filter((x) => x.op === 'input' && x.k === k && (x.d as { value: unknown }).value !== '');
  t.ok(log.some((x) => x.op === 'input' && x.k === 'top/form/0/text' && (x.d as { value: unknown }).value === ''), 'the call sent the form state first');
  const textCmds = typed('top/form/0/text');
  t.equal(textCmds.length, 6, 'six keystrokes in #text made six input commands');
  t.ok(
    textCmds.every((x) => x.by === textCmds[0].by),
    'all of them from the customer: applying them on the operator side sent nothing back',
  );
  const areaCmds = typed('top/form/0/area');
  t.equal(areaCmds.length, 'from op'.length, 'one command per operator keystroke too');
});

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

  const html = await o().content();
  for (const v of ['hunter2-secret', ...secrets.map((s) => s[1])]) t.notOk(html.includes(v), `the operator's DOM never holds ${v.slice(0, 6)}…`);
  for (const sel of ['#pass', ...secrets.map((s) => s[0])]) {
    t.equal(await value(o(), sel), '', `${sel} is empty on the operator side`);
    t.ok(await o().$eval(sel, (el) => el.hasAttribute('data-tandem-masked') && (el as HTMLInputElement).readOnly), `${sel} is shown masked and read-only`);
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

  const log = JSON.stringify(await sessionLog(env, call));
  for (const v of ['hunter2-secret', ...secrets.map((s) => s[1])]) t.notOk(log.includes(v), `the session log never holds ${v.slice(0, 6)}…`);
  t.ok(log.includes('"bob"') || log.includes('bob'), 'the log holds the unmasked value');
});
