/**
 * Real app: the Quill 2 rich-text editor (quill@2.0.3 on npm, its dist unchanged) on a host page
 * whose Save button POSTs the letter. Customer and operator write with bold and line breaks,
 * each seeing the other's rich text in the mirror; Save reaches the server exactly once.
 */

import t from 'tap';
import { startQuill } from '../real-apps/apps.js';
import { callOperator, openCustomer, openOperator, waitForStatus } from './helpers/sharing.js';
import { mirrorMatches, opClick, opPress, opType, sideEffectsAre, startRealEnv, until } from './helpers/real-apps.js';

const REGION = 'body';

t.test('real-quill: rich text written both ways keeps bold and line breaks, saved once', async (t) => {
  const env = await startRealEnv(t, startQuill);
  const customer = await openCustomer(env, '/');
  customer.context.setDefaultTimeout(10_000);
  const c = customer.content();
  const editorHtml = () => c.$eval('.ql-editor', (el) => el.innerHTML);
  await c.waitForSelector('.ql-editor');

  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await mirrorMatches(t, customer, operator, 'the operator joins', { region: REGION, timeout: 20_000 });

  // The customer writes a line, then a bold word on a new line.
  await c.click('.ql-editor p');
  await customer.page.keyboard.press('End');
  await customer.page.keyboard.press('Enter');
  await customer.page.keyboard.type('I would like to ', { delay: 10 });
  await customer.page.keyboard.press('Control+B');
  await customer.page.keyboard.type('close', { delay: 10 });
  await customer.page.keyboard.press('Control+B');
  await customer.page.keyboard.type(' my account.', { delay: 10 });
  t.equal(await editorHtml(), '<p>Dear bank,</p><p>I would like to <strong>close</strong> my account.</p>', 'the customer wrote rich text');
  await mirrorMatches(t, customer, operator, 'the customer writes with bold', { region: REGION });

  // The operator adds a paragraph through the mirror, with the toolbar's Bold button.
  await opClick(operator, '.ql-editor p:nth-child(2)');
  await opPress(operator, 'End');
  await opPress(operator, 'Enter');
  await opType(operator, 'Reference: ');
  await opClick(operator, '.ql-toolbar .ql-bold');
  await opType(operator, 'A-42');
  await until(
    t,
    async () => (await editorHtml()).includes('<p>Reference: <strong>A-42</strong></p>'),
    "the operator's bold text in the customer's editor",
  );
  t.equal(
    await editorHtml(),
    '<p>Dear bank,</p><p>I would like to <strong>close</strong> my account.</p><p>Reference: <strong>A-42</strong></p>',
    "the customer's letter kept its own formatting and got the operator's",
  );
  await mirrorMatches(t, customer, operator, 'the operator writes with bold', { region: REGION });

  // The operator deletes a word with Backspace; the customer writes after it.
  for (let i = 0; i < 'A-42'.length; i++) await opPress(operator, 'Backspace');
  await opType(operator, 'B-7');
  await until(t, async () => (await editorHtml()).includes('<strong>B-7</strong>'), 'the operator corrected the reference');
  await c.click('.ql-editor p:nth-child(3)');
  await customer.page.keyboard.press('End');
  await customer.page.keyboard.press('Enter');
  await customer.page.keyboard.type('Thanks', { delay: 10 });
  await mirrorMatches(t, customer, operator, 'a correction and a new line', { region: REGION });

  // The operator presses Save: one POST, carrying the whole letter.
  await opClick(operator, '#save');
  await until(t, async () => (await c.textContent('#saved')) === 'saved as letter 1', 'saved');
  await mirrorMatches(t, customer, operator, 'after Save', { region: REGION });
  t.equal(env.app.letters.length, 1, 'one letter saved');
  t.equal(
    env.app.letters[0]?.html,
    '<p>Dear bank,</p><p>I would like to <strong>close</strong> my account.</p><p>Reference: <strong>B-7</strong></p><p>Thanks</p>',
    'the letter saved is the one both wrote',
  );

  const bob = await openOperator(env, call, { name: 'bob' });
  await mirrorMatches(t, customer, bob, 'a late joiner', { region: REGION, timeout: 20_000 });

  await sideEffectsAre(t, env.app, ['POST /letters'], 'Save pressed once by the operator');
});
