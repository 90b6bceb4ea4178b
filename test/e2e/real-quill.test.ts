/**
 * Real app: the Quill 2 rich-text editor (quill@2.0.3 on npm, its dist unchanged) on a host page
 * whose Save button POSTs the letter. Customer and operator write with bold, italic and line breaks,
 * each seeing the other's rich text in the mirror; Save reaches the server exactly once.
 */

import t from 'tap';
import { startQuill } from '../real-apps/apps.js';
import { callOperator, openCustomer, openOperator, waitForStatus } from './helpers/sharing.js';
import { mirrorMatches, opClick, opPress, opType, sideEffectsAre, startRealEnv, until, waitInMirror } from './helpers/real-apps.js';

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
  await waitInMirror(operator, '.ql-editor p');
  // The whole page, the toolbar's header drop-down with nothing selected included.
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
  await mirrorMatches(t, customer, operator, 'the customer writes with bold', { region: '.ql-container' });

  // The operator adds a paragraph through the mirror.
  await opClick(operator, '.ql-editor p:nth-child(2)');
  await opPress(operator, 'End');
  await opPress(operator, 'Enter');
  await opType(operator, 'Reference: A-42');
  await until(t, async () => (await editorHtml()).includes('<p>Reference: A-42</p>'), "the operator's line in the customer's editor");
  t.equal(
    await editorHtml(),
    '<p>Dear bank,</p><p>I would like to <strong>close</strong> my account.</p><p>Reference: A-42</p>',
    "the customer's letter kept its own formatting and got the operator's line",
  );
  await mirrorMatches(t, customer, operator, 'the operator writes a line', { region: '.ql-container' });

  // The operator formats as the customer did: Ctrl+B while typing, then a word picked by a
  // double click and the toolbar's italic button.
  await opPress(operator, 'Control+B');
  await opType(operator, ' urgent');
  await opPress(operator, 'Control+B');
  await until(t, async () => (await editorHtml()).includes('<strong> urgent</strong>'), "the operator's bold in the customer's editor");
  await opClick(operator, '.ql-editor p:nth-child(3)', { clickCount: 2, at: { x: 20, y: 8 } });
  await opClick(operator, '.ql-italic');
  await until(t, async () => (await editorHtml()).includes('<em>Reference</em>'), "the operator's italic in the customer's editor");
  t.equal(
    await editorHtml(),
    '<p>Dear bank,</p><p>I would like to <strong>close</strong> my account.</p><p><em>Reference</em>: A-42<strong> urgent</strong></p>',
    'bold and italic where the operator put them',
  );
  await mirrorMatches(t, customer, operator, 'the operator formats', { region: '.ql-container' });

  await c.click('.ql-editor p:nth-child(3)');
  await customer.page.keyboard.press('End');
  await customer.page.keyboard.press('Enter');
  await customer.page.keyboard.type('Thanks', { delay: 10 });
  await mirrorMatches(t, customer, operator, 'a new line of the customer', { region: '.ql-container' });

  // The operator presses Save: one POST, carrying the whole letter.
  await opClick(operator, '#save');
  await until(t, async () => (await c.textContent('#saved')) === 'saved as letter 1', 'saved');
  await mirrorMatches(t, customer, operator, 'after Save', { region: '.ql-container' });
  t.equal(env.app.letters.length, 1, 'one letter saved');
  t.equal(
    env.app.letters[0]?.html,
    '<p>Dear bank,</p><p>I would like to <strong>close</strong> my account.</p><p><em>Reference</em>: A-42<strong> urgent</strong></p><p>Thanks</p>',
    'the letter saved is the one both wrote',
  );

  const bob = await openOperator(env, call, { name: 'bob' });
  await mirrorMatches(t, customer, bob, 'a late joiner', { region: REGION, timeout: 20_000 });

  await sideEffectsAre(t, env.app, ['POST /letters'], 'Save pressed once by the operator');
});
