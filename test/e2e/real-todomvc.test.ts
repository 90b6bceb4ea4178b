/**
 * Real app: TodoMVC's React example (todomvc@0.1.1 on npm; React with in-browser JSX, state in
 * localStorage), through the gateway. Customer and operator add, complete, edit and filter
 * to-dos; at every step the operator's mirror equals the customer's page, and a late joiner's too.
 */

import t from 'tap';
import { startTodoMvc } from '../real-apps/apps.js';
import { callOperator, openCustomer, openOperator, waitForStatus } from './helpers/sharing.js';
import { mirrorMatches, opClick, opPress, opType, sideEffectsAre, startRealEnv, until } from './helpers/real-apps.js';

const REGION = '#todoapp';

t.test('real-todomvc: a React to-do list in localStorage, edited both ways, mirrored at every step', async (t) => {
  const env = await startRealEnv(t, startTodoMvc);
  const customer = await openCustomer(env, '/');
  customer.context.setDefaultTimeout(10_000);
  const c = customer.content();
  const labels = () => c.$$eval('#todo-list li label', (l) => l.map((e) => e.textContent));
  await c.waitForSelector('#new-todo');

  // The customer starts a list before calling.
  for (const item of ['pay the rent', 'call the bank']) {
    await c.click('#new-todo');
    await customer.page.keyboard.type(item, { delay: 10 });
    await customer.page.keyboard.press('Enter');
  }
  await c.waitForSelector('#todo-list li:nth-child(2)');

  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await mirrorMatches(t, customer, operator, 'the operator joins', { region: REGION, timeout: 20_000 });

  // The customer adds a third.
  await c.click('#new-todo');
  await customer.page.keyboard.type('buy stamps', { delay: 10 });
  await customer.page.keyboard.press('Enter');
  await mirrorMatches(t, customer, operator, 'the customer adds a to-do', { region: REGION });

  // The operator adds one by typing into the mirror: React in the customer's page sees it.
  await opClick(operator, '#new-todo');
  await opType(operator, 'from the operator');
  await opPress(operator, 'Enter');
  await until(t, async () => (await c.$$('#todo-list li')).length === 4, 'the customer has four to-dos');
  t.same(
    await labels(),
    ['pay the rent', 'call the bank', 'buy stamps', 'from the operator'],
    "the operator's to-do is in the customer's list",
  );
  const stored = (await c.evaluate(() => localStorage.getItem('react-todos'))) ?? '';
  t.match(stored, /from the operator/, "the customer's localStorage holds the operator's to-do");
  await mirrorMatches(t, customer, operator, 'the operator adds a to-do', { region: REGION });

  // The operator completes the first; the customer completes the third.
  await opClick(operator, '#todo-list li:nth-child(1) .toggle');
  await until(t, async () => (await c.getAttribute('#todo-list li:nth-child(1)', 'class'))?.includes('completed'), 'first completed');
  await c.click('#todo-list li:nth-child(3) .toggle');
  await mirrorMatches(t, customer, operator, 'both complete a to-do', { region: REGION });
  t.equal(await c.textContent('#todo-count strong'), '2', 'two left, on the customer page');

  // The customer clears the completed ones.
  await c.click('#clear-completed');
  await until(t, async () => (await c.$$('#todo-list li')).length === 2, 'two left');
  t.same(await labels(), ['call the bank', 'from the operator'], 'the two not completed are left');
  await mirrorMatches(t, customer, operator, 'the customer clears the completed ones', { region: REGION });

  // The operator edits a to-do as a person would: a double click, select all, type, Enter.
  await opClick(operator, '#todo-list li:nth-child(1) label', { clickCount: 2 });
  await until(
    t,
    async () => (await c.getAttribute('#todo-list li:nth-child(1)', 'class'))?.includes('editing'),
    'the customer page edits it',
  );
  await opPress(operator, 'Control+A');
  await opType(operator, 'call the branch');
  await opPress(operator, 'Enter');
  await until(t, async () => (await labels())[0] === 'call the branch', 'the edited to-do on the customer page');
  t.same(await labels(), ['call the branch', 'from the operator'], 'the edit replaced the text, nothing else');
  await mirrorMatches(t, customer, operator, 'the operator edits a to-do', { region: REGION });

  // The operator filters through the app's own links (its router reads the address's hash).
  await c.click('#todo-list li:nth-child(2) .toggle');
  await opClick(operator, '#filters li:nth-of-type(2) a');
  await until(t, async () => (await c.$$('#todo-list li')).length === 1, 'the customer page shows the active one only');
  t.equal(new URL(c.url()).hash, '#/active', "the customer's address has the filter");
  await mirrorMatches(t, customer, operator, 'the operator filters', { region: REGION });
  await opClick(operator, '#filters li:nth-of-type(1) a');
  await until(t, async () => (await c.$$('#todo-list li')).length === 2, 'all again');
  await mirrorMatches(t, customer, operator, 'back to all', { region: REGION });

  // A second operator joins late and lands on the same list.
  const bob = await openOperator(env, call, { name: 'bob' });
  await mirrorMatches(t, customer, bob, 'a late joiner', { region: REGION, timeout: 20_000 });
  await mirrorMatches(t, customer, operator, 'the first operator, still', { region: REGION });

  await sideEffectsAre(t, env.app, [], 'a localStorage app');
});
