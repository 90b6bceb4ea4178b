/**
 * Real app: a static documentation site made by typedoc (typedoc@0.28.20, quill-delta's
 * declarations), whose search is script-driven (a compressed index decoded in the page, results
 * in a dialog). Customer and operator search, follow results, scroll and change a setting; the
 * mirror follows every page, scroll and dialog.
 */

import t from 'tap';
import { startDocsSite } from '../real-apps/apps.js';
import { callOperator, openCustomer, openOperator, waitForStatus } from './helpers/sharing.js';
import { mirrorMatches, opClick, opScrollTo, opType, sideEffectsAre, startRealEnv, until } from './helpers/real-apps.js';

const SEARCH = '#tsd-search';

t.test('real-typedoc: script-driven search, navigation, scroll and settings from both sides, mirrored', async (t) => {
  const env = await startRealEnv(t, startDocsSite);
  const customer = await openCustomer(env, '/classes/default.html', { viewport: { width: 1300, height: 800 } });
  customer.context.setDefaultTimeout(10_000);
  const c = customer.content();
  const path = () => new URL(c.url()).pathname;
  const results = () => c.$$eval('#tsd-search-results li', (l) => l.map((e) => (e.textContent ?? '').trim()));
  await c.waitForSelector('#tsd-search-trigger');

  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await mirrorMatches(t, customer, operator, 'the operator joins', { region: '.tsd-page-title', timeout: 20_000 });

  // The customer searches; the results come from the page's script.
  await c.click('#tsd-search-trigger');
  await c.waitForSelector('#tsd-search-input');
  await customer.page.keyboard.type('compose', { delay: 20 });
  await until(t, async () => (await results()).some((r) => r.includes('compose')), 'search results on the customer page');
  await mirrorMatches(t, customer, operator, 'the customer searches', { region: SEARCH });
  await c.click('#tsd-search-results li:first-child a');
  await until(t, async () => path() !== '/classes/default.html' || new URL(c.url()).hash !== '', 'the customer follows the first result');
  await mirrorMatches(t, customer, operator, 'the customer follows a result', { region: '.tsd-page-title' });

  // The operator searches through the mirror and follows a result.
  await opClick(operator, '#tsd-search-trigger');
  await until(t, () => c.isVisible('#tsd-search-input'), "the search dialog opens on the customer's page");
  // The page's script focused the field on the customer's side: the operator types straight away.
  await opType(operator, 'OpIterator');
  await until(t, async () => (await results()).some((r) => r.includes('OpIterator')), "the operator's search on the customer page");
  await mirrorMatches(t, customer, operator, 'the operator searches', { region: SEARCH });
  await opClick(operator, '#tsd-search-results a[href$="classes/OpIterator.html"]');
  await until(t, async () => path() === '/classes/OpIterator.html', 'the customer page is on OpIterator');
  await mirrorMatches(t, customer, operator, 'the operator follows a result', { region: '.tsd-page-title' });

  // The operator scrolls down to a member; the customer's page scrolls with it.
  const y0 = await c.evaluate(() => scrollY);
  await opScrollTo(operator, '#rest');
  await until(t, async () => (await c.evaluate(() => scrollY)) > y0, "the customer's page scrolled");
  await mirrorMatches(t, customer, operator, 'the operator scrolls', { region: '#rest' });

  // The operator turns "Inherited" off in the settings; the customer turns it back on.
  await opClick(operator, '.tsd-navigation.settings summary');
  await until(t, () => c.isVisible('#tsd-filter-inherited'), 'the settings open on the customer page');
  await opClick(operator, '#tsd-filter-inherited');
  await until(t, async () => !(await c.isChecked('#tsd-filter-inherited')), "the customer's setting is off");
  await mirrorMatches(t, customer, operator, 'the operator changes a setting', { region: '.tsd-navigation.settings' });
  await until(t, () => c.click('label:has(#tsd-filter-inherited)', { timeout: 3000 }).then(() => true), 'the customer clicks the setting');
  await mirrorMatches(t, customer, operator, 'the customer changes it back', { region: '.tsd-navigation.settings' });

  const bob = await openOperator(env, call, { name: 'bob' });
  await mirrorMatches(t, customer, bob, 'a late joiner', { region: '.tsd-page-title', timeout: 20_000 });

  await sideEffectsAre(t, env.app, [], 'a static site');
});
