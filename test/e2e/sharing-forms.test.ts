/**
 * Co-browsing, form values, focus, caret-safe merging and no echo: asserted on the other side's DOM and
 * on the session's log.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import { callOperator, eventually, openCustomer, openOperator, sessionLog, startSharingEnv, waitForStatus } from './helpers/sharing.js';

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
  await eventually(
    async () =>
      JSON.stringify(await c.$eval('#many', (s) => Array.from((s as HTMLSelectElement).selectedOptions, (x) => x.value))) === '["x","z"]',
    'select many',
  );
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

  // Two people typing into one field at the same moment end with the same value.
  for (let i = 0; i < 5; i++) {
    await Promise.all([c.fill('#email', `c${i}@x.test`), o().fill('#email', `o${i}@x.test`)]);
    await eventually(async () => (await value(c, '#email')) === (await value(o(), '#email')), `crossing edits ${i} settle`);
    await new Promise((r) => setTimeout(r, 150));
    t.equal(await value(c, '#email'), await value(o(), '#email'), `crossing edits ${i}: both show ${await value(c, '#email')}`);
  }

  // One command per keystroke, none echoed back (the empty values are the call's state send).
  const log = await sessionLog(env, call);
  const typed = (k: string) => log.filter((x) => x.op === 'input' && x.k === k && (x.d as { value: unknown }).value !== '');
  t.ok(
    log.some((x) => x.op === 'input' && x.k === 'top/form/0/text' && (x.d as { value: unknown }).value === ''),
    'the call sent the form state first',
  );
  const textCmds = typed('top/form/0/text');
  t.equal(textCmds.length, 6, 'six keystrokes in #text made six input commands');
  t.ok(
    textCmds.every((x) => x.by === textCmds[0].by),
    'all of them from the customer: applying them on the operator side sent nothing back',
  );
  const areaCmds = typed('top/form/0/area');
  t.equal(areaCmds.length, 'from op'.length, 'one command per operator keystroke too');
});
