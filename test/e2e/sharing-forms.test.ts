/**
 * Co-browsing, form values both ways: what the customer types shows in the operator's mirror;
 * what the operator types in the mirror is carried out on the customer's real page and comes
 * back to the mirror. Asserted on the customer's page and on the mirror.
 */

import t from 'tap';
import {
  callOperator,
  checkedOf,
  eventually,
  openCustomer,
  openOperator,
  sameDocument,
  seenState,
  soon,
  startSharingEnv,
  step,
  until,
  valueOf,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';

const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

t.test('sharing: every kind of field, both ways, through the mirror', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const c = customer.content();
  const o = () => operator.content();
  const kb = operator.page.keyboard;
  await waitForContent(operator, '#text');
  await sameDocument(customer, operator);
  t.same(await seenState(o()), await seenState(c), "the operator's mirror shows the customer's page");

  await step(t, 'text typed by the customer shows on the operator side', async () => {
    await c.click('#text');
    await customer.page.keyboard.type('hello', { delay: 20 });
    await until(() => valueOf(o(), '#text'), 'hello', 'operator sees hello');
  });

  t.ok(
    await soon(async () => (await o().evaluate(() => document.activeElement?.id)) === 'text', 5000),
    "the customer's focused field has the focus in the operator's mirror",
  );

  await step(t, 'a textarea typed by the operator: at once in the mirror, then on the customer page', async () => {
    await o().click('#area');
    await kb.type('from op', { delay: 10 });
    t.equal(await valueOf(o(), '#area'), 'from op', 'the operator sees its own typing at once');
    await until(() => valueOf(c, '#area'), 'from op', 'customer sees the textarea');
    await settle();
    t.equal(await valueOf(o(), '#area'), 'from op', 'and the mirror keeps it once the customer page answered');
  });

  await step(t, "Enter and Backspace in the operator's typing", async () => {
    await kb.press('Enter');
    await kb.type('line2x', { delay: 10 });
    await kb.press('Backspace');
    await until(() => valueOf(c, '#area'), 'from op\nline2', 'Enter and Backspace reach the customer');
    await until(() => valueOf(o(), '#area'), 'from op\nline2', 'and the mirror agrees');
  });

  const many = (f: typeof c) => f.$eval('#many', (s) => Array.from((s as HTMLSelectElement).selectedOptions, (x) => x.value).join(','));
  await step(t, "a select changed by the customer shows in the operator's mirror", async () => {
    await c.selectOption('#one', 'c');
    await until(() => valueOf(o(), '#one'), 'c', 'select one');
  });
  await step(t, 'a multiple select changed by the operator changes the customer page', async () => {
    await o().selectOption('#many', ['x', 'z']);
    await until(() => many(c), 'x,z', 'select many on the customer page');
    await until(() => many(o()), 'x,z', 'select many in the mirror');
  });

  await step(t, 'a checkbox clicked by the operator is checked on the customer page', async () => {
    await o().click('#check');
    await eventually(() => checkedOf(c, '#check'), 'checkbox on the customer page');
    await eventually(() => checkedOf(o(), '#check'), 'checkbox in the mirror');
  });
  await step(t, 'a radio checked by the customer shows in the mirror', async () => {
    await c.check('#green');
    await eventually(() => checkedOf(o(), '#green'), 'radio');
    t.notOk(await checkedOf(o(), '#red'), 'the other radio of the group is off');
  });
  await step(t, 'a radio clicked by the operator', async () => {
    await o().click('#red');
    await eventually(() => checkedOf(c, '#red'), 'red on the customer page');
    await eventually(async () => (await checkedOf(o(), '#red')) && !(await checkedOf(o(), '#green')), 'red alone in the mirror');
  });

  await step(t, 'range, date and time set by keyboard are shared', async () => {
    await c.focus('#range');
    for (let i = 0; i < 3; i++) await customer.page.keyboard.press('ArrowRight');
    await until(() => valueOf(o(), '#range'), '13', 'range');
    await c.focus('#date');
    await customer.page.keyboard.type('05062024');
    await until(() => valueOf(o(), '#date'), '2024-05-06', 'date');
    await c.focus('#time');
    await customer.page.keyboard.type('1030AM');
    await until(() => valueOf(o(), '#time'), '10:30', 'time');
  });

  await step(t, 'contenteditable text typed by the customer is shared', async () => {
    await c.click('#editor');
    await customer.page.keyboard.type('rich');
    await until(() => o().textContent('#editor'), 'rich', 'contenteditable');
  });
  await step(t, 'the operator types into a contenteditable', async () => {
    await o().click('#editor');
    await kb.press('End');
    await kb.type(' text');
    await until(() => c.textContent('#editor'), 'rich text', 'operator typing in the contenteditable');
    await until(() => o().textContent('#editor'), 'rich text', 'and back in the mirror');
  });

  await step(t, 'a formless named field typed by the operator', async () => {
    await o().click('input[name=loose]');
    await kb.type('loose one');
    await until(() => valueOf(c, 'input[name=loose]'), 'loose one', 'formless field');
    await until(() => valueOf(o(), 'input[name=loose]'), 'loose one', 'formless field in the mirror');
  });

  // Two people typing into one field at the same moment end with the same value on both sides.
  for (let i = 0; i < 3; i++) {
    await step(t, `crossing edits ${i}: both sides end on the same value`, async () => {
      await Promise.all([
        c.fill('#email', `c${i}@x.test`),
        (async () => {
          await o().click('#email');
          await kb.type(`o${i}`);
        })(),
      ]);
      await settle();
      await eventually(async () => (await valueOf(c, '#email')) === (await valueOf(o(), '#email')), `crossing edits ${i} settle`);
      await settle(300);
      t.equal(await valueOf(o(), '#email'), await valueOf(c, '#email'), `crossing edits ${i}: both show ${await valueOf(c, '#email')}`);
    });
  }

  await step(t, 'in the end the mirror equals the customer page: text and every field', () => sameDocument(customer, operator));

  // One browser runs the page: the origin served it once, to the customer.
  t.equal(env.origin.counters.hits.get('/fields'), 1, 'the page was loaded once, by the customer alone');
});
