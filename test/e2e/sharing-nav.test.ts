/**
 * Co-browsing, navigation of every kind: a customer and an operator on one gateway, in one
 * Chromium; every page the customer's browser goes to shows in the operator's mirror and in
 * the address bar on both sides, and the operator takes the customer elsewhere by a link or
 * by the address bar.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  openOperator,
  sameDocument,
  startSharingEnv,
  step,
  typeAddress,
  until,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';

t.test('sharing: the shell calls, the operator joins, and navigation of every kind follows', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/');
  t.equal(await customer.page.textContent('[data-tandem="status"]'), 'idle', 'a customer starts idle');
  const call = await callOperator(customer);
  await waitForStatus(customer, 'waiting');
  t.match(await customer.page.textContent('[data-tandem="code"]'), /^\d{6}$/, 'the code is shown');
  t.equal(await customer.page.textContent('[data-tandem="connect"]'), 'End', 'the button becomes End');

  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await waitForStatus(operator, 'connected');
  await until(() => contentPath(operator), '/', 'the operator on the customer page');
  await waitForContent(operator, '#home');
  t.match(await customer.page.textContent('[data-tandem="participants"]'), /alice/, 'the customer sees the operator');
  t.equal(await operator.page.title(), 'Home', "the operator's tab shows the page's title");
  const o = () => operator.content();

  await step(t, 'a link click is followed', async () => {
    await customer.content().click('#to-two');
    await until(() => contentPath(operator), '/two', 'link click followed');
    await waitForContent(operator, '#two');
  });

  await step(t, 'a redirect: the operator sees where the customer landed', async () => {
    await customer.content().click('#to-redirect');
    await until(() => contentPath(operator), '/two?x=redirected', 'redirect followed');
    await until(() => o().textContent('#two'), 'two redirected', 'the mirror shows the landed page');
  });

  await step(t, 'a hash change is followed, and the mirror scrolls to the anchor with the customer', async () => {
    await customer.content().evaluate(() => (location.hash = 'anchor-target'));
    await until(() => contentPath(operator), '/two?x=redirected#anchor-target', 'hash followed');
    const y = await customer.content().evaluate(() => scrollY);
    await eventually(async () => Math.abs((await o().evaluate(() => scrollY)) - y) <= 2 && y > 0, 'mirror at the anchor');
  });

  await step(t, 'history.pushState is followed', async () => {
    await customer.content().click('#to-spa');
    await until(() => contentPath(operator), '/spa', 'spa page');
    await customer.content().click('#push');
    await until(() => contentPath(operator), '/spa?view=b', 'pushState followed');
    await until(() => o().textContent('#route'), '/spa?view=b', 'the mirror shows what the script changed');
  });

  await step(t, 'history back is followed', async () => {
    await customer.content().evaluate(() => history.back());
    await until(() => contentPath(operator), '/spa', 'back followed');
  });

  // The customer's tab URL follows the content frame, so a reload lands on the same page.
  await step(t, 'the shell URL follows the content frame', () =>
    until(
      async () => {
        const u = new URL(customer.page.url());
        return u.pathname + u.search;
      },
      '/spa',
      'shell URL follows',
    ),
  );

  await step(t, 'the operator clicks a link: the customer follows, the mirror shows the page', async () => {
    await o().click('#to-fields');
    await until(() => contentPath(customer), '/fields', 'customer follows the operator');
    await until(() => contentPath(operator), '/fields', 'operator address');
    await waitForContent(operator, '#text');
    await sameDocument(customer, operator);
  });

  await step(t, 'the operator types an address: the customer goes there', async () => {
    await typeAddress(operator, '/two?x=typed');
    await until(() => contentPath(customer), '/two?x=typed', 'customer on the typed address');
    await until(() => o().textContent('#two'), 'two typed', 'the mirror shows it');
    t.equal(await operator.page.title(), 'Two', "the operator's tab title follows");
  });

  // Navigations from both sides crossing: both end on the same page.
  for (let i = 0; i < 3; i++) {
    await step(t, `crossing navigations ${i} settle on one page`, async () => {
      await Promise.all([customer.content().evaluate((n) => (location.hash = `c${n}`), i), typeAddress(operator, `/two?x=o${i}`)]);
      await eventually(async () => (await contentPath(customer)) === (await contentPath(operator)), `crossing navigations ${i} settle`);
      await new Promise((r) => setTimeout(r, 400));
      t.equal(
        await contentPath(operator),
        await contentPath(customer),
        `crossing navigations ${i}: both on ${await contentPath(customer)}`,
      );
      await sameDocument(customer, operator);
    });
  }

  // Child frames: same-origin frames are inside the mirror.
  const child = (): Frame => {
    const f = o().childFrames()[0];
    if (!f) throw new Error('no child frame in the mirror');
    return f;
  };
  await step(t, 'a same-origin child frame appears inside the mirror', async () => {
    await typeAddress(operator, '/frames');
    await until(() => contentPath(customer), '/frames', 'frames page');
    await eventually(async () => (await child().$('#child-next')) !== null, 'child frame in the mirror');
  });
  await step(t, "a navigation of the customer's child frame is followed inside the mirror", async () => {
    await customer.frame('top/1').click('#child-next');
    await until(
      () =>
        child()
          .textContent('#child2')
          .catch(() => ''),
      'child two',
      'child frame navigation followed',
    );
    t.equal(await contentPath(operator), '/frames', 'the parent page stays');
    await waitForContent(operator, '#child');
  });

  // A document without hooks (plain text, a PDF, an image) is still where the customer is.
  await step(t, 'a document the gateway does not rewrite is followed in every address bar', async () => {
    await customer.content().evaluate(() => (location.href = '/statement.txt'));
    await until(() => contentPath(customer), '/statement.txt', "the customer's address");
    await until(() => contentPath(operator), '/statement.txt', "the operator's address");
  });
  await step(t, 'and the next page is mirrored again', async () => {
    await typeAddress(operator, '/two?x=after-text');
    await until(() => contentPath(customer), '/two?x=after-text', 'customer on the typed address');
    await until(() => o().textContent('#two'), 'two after-text', 'the mirror shows it');
    await sameDocument(customer, operator);
  });
});
