/**
 * The console's replay player: a past session's recorded pages are rebuilt from the log alone,
 * in order, with the recorded field values, under play / pause / speed / timeline; replaying
 * runs no page script and asks the origin for nothing.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import {
  callOperator,
  contentPath,
  eventually,
  frameOf,
  openCustomer,
  openOperator,
  sessionLog,
  startSharingEnv,
  step,
  until,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';
import { openConsole } from './flow-helpers.js';

const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

t.test('console player: a past session replays its pages in order, with the field values, and seeks', async (t) => {
  const env = await startSharingEnv(t, { replicas: true, operators: ['alice'] });
  const customer = await openCustomer(env, '/', { base: env.urls[0] });
  const call = await callOperator(customer);
  const operator = await openOperator(env, call, { base: env.urls[1] });
  await waitForStatus(operator, 'connected');
  await waitForContent(operator, '#home');
  await settle();
  await customer.content().click('#to-two');
  await until(() => contentPath(operator), '/two', 'operator on /two');
  await waitForContent(operator, '#two');
  await settle();
  await customer.content().click('#to-fields');
  await until(() => contentPath(operator), '/fields', 'operator on /fields');
  await waitForContent(operator, '#text');
  await settle();
  await customer.content().click('#text');
  await customer.page.keyboard.type('recorded value');
  await until(() => operator.content().inputValue('#text'), 'recorded value', 'value shared');
  await settle();
  await customer.page.click('[data-tandem="connect"]');
  await waitForStatus(customer, 'ended');
  const log = await sessionLog(env, call, env.urls[1]);

  const tab = await openConsole(env, env.urls[1], 'alice');
  const page = tab.page;
  const requests: string[] = [];
  page.on('request', (r) => {
    if (r.method() !== 'GET') requests.push(`${r.method()} ${r.url()}`);
  });
  const hits = () => [...env.origin.counters.hits.values()].reduce((a, b) => a + b, 0) + env.origin.counters.posts;
  const hitsBefore = hits();
  await page.click(`[data-tandem="past-sessions"] tr[data-session="${call.id}"] [data-tandem="replay"]`);
  await page.waitForSelector('[data-tandem="player"]:not([hidden])');
  await until(() => page.locator('[data-tandem="player-commands"] li').count(), log.length, 'every logged command listed');
  t.same(
    await page.locator('[data-tandem="player-commands"] li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-seq')))),
    log.map((c) => c.seq),
    'the list is the log, in seq order',
  );

  let frame: Frame = await frameOf(page, '[data-tandem="player-frame"]');
  const heading = async () => {
    frame = await frameOf(page, '[data-tandem="player-frame"]');
    return frame.textContent('h1', { timeout: 500 }).catch(() => null);
  };
  await step(t, 'the player starts on the first page', () => until(heading, 'Home', 'the first page'));

  await step(t, 'played through, the recorded pages follow in order, to the recorded value', async () => {
    const seen: string[] = [];
    await page.selectOption('[data-tandem="player-speed"]', '2');
    await page.click('[data-tandem="player-play"]');
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const h = await heading();
      if (h && seen[seen.length - 1] !== h) seen.push(h);
      if (!(await page.isDisabled('[data-tandem="player-play"]'))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    t.same(seen, ['Home', 'Two', 'Fields'], 'the recorded pages followed in order');
    await eventually(async () => (await frame.inputValue('#text')) === 'recorded value', 'the recorded value in the field');
    t.equal(await page.locator('[data-tandem="player-commands"] li.tc-done').count(), log.length, 'every command applied');
  });

  const seek = (ms: number) =>
    page.locator('[data-tandem="player-timeline"]').evaluate((el: HTMLInputElement, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, ms);
  const t0 = log[0].t;
  const firstSnapshotAfter = (path: string) => {
    const nav = log.find((c) => c.op === 'nav' && (c.d as { url: string }).url === path)!;
    return log.find((c) => c.op === 'snapshot' && c.seq > nav.seq)!;
  };

  await step(t, 'seeking back to the start shows the first page', async () => {
    await seek(0);
    await until(heading, 'Home', 'seeking to 0 shows the first page');
    t.match(await page.textContent('[data-tandem="player-time"]'), /^0:00 \//, 'the clock says so');
  });
  await step(t, 'seeking to the second page shows it', async () => {
    await seek(firstSnapshotAfter('/two').t - t0 + 50);
    await until(heading, 'Two', 'the second page');
  });
  await step(t, 'seeking to the third page, before the typing: the field is empty', async () => {
    await seek(firstSnapshotAfter('/fields').t - t0 + 50);
    await until(heading, 'Fields', 'the third page');
    t.equal(await frame.inputValue('#text'), '', 'nothing typed yet');
  });
  await step(t, 'seeking to the end: the recorded value', async () => {
    await seek(log[log.length - 1].t - t0);
    await until(() => frame.inputValue('#text').catch(() => null), 'recorded value', 'the value at the end');
  });

  await step(t, 'pause holds the position', async () => {
    await seek(0);
    await page.selectOption('[data-tandem="player-speed"]', '1');
    await page.click('[data-tandem="player-play"]');
    await page.waitForTimeout(300);
    await page.click('[data-tandem="player-pause"]');
    const at = await page.inputValue('[data-tandem="player-timeline"]');
    await page.waitForTimeout(300);
    t.equal(await page.inputValue('[data-tandem="player-timeline"]'), at, 'the position stays');
  });

  t.same(requests, [], 'the player sent nothing but GET requests');
  t.equal(hits(), hitsBefore, 'and nothing reached the origin');
  t.equal(await frame.$$eval('script', (s) => s.length), 0, 'the replayed page holds no script');
});
