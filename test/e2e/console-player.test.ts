/**
 * The console's replay player: a past session's recorded pages load in order in the player's
 * frame, with the recorded field values, under play / pause / speed / timeline.
 */

import t from 'tap';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  openOperator,
  sessionLog,
  startSharingEnv,
  waitForStatus,
} from './helpers/sharing.js';
import { openConsole } from './flow-helpers.js';

t.test('console player: a past session replays its pages in order, with the field values, and seeks', async (t) => {
  const env = await startSharingEnv(t, { replicas: true, operators: ['alice'] });
  const customer = await openCustomer(env, '/', { base: env.urls[0] });
  const call = await callOperator(customer);
  const operator = await openOperator(env, call, { base: env.urls[1] });
  await waitForStatus(operator, 'connected');
  await customer.content().click('#to-two');
  await eventually(async () => (await contentPath(operator)) === '/two', 'operator on /two');
  await customer.content().click('#to-fields');
  await eventually(async () => (await contentPath(operator)) === '/fields', 'operator on /fields');
  await customer.content().fill('#text', 'recorded value');
  await eventually(async () => (await operator.content().inputValue('#text')) === 'recorded value', 'value shared');
  await customer.page.click('[data-tandem="connect"]');
  await waitForStatus(customer, 'ended');
  const log = await sessionLog(env, call, env.urls[1]);

  const tab = await openConsole(env, env.urls[1], 'alice');
  const page = tab.page;
  await page.click(`[data-tandem="past-sessions"] tr[data-session="${call.id}"] [data-tandem="replay"]`);
  await page.waitForSelector('[data-tandem="player"]:not([hidden])');
  await eventually(
    async () => (await page.locator('[data-tandem="player-commands"] li').count()) === log.length,
    'every logged command listed',
  );
  t.same(
    await page.locator('[data-tandem="player-commands"] li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-seq')))),
    log.map((c) => c.seq),
    'the list is the log, in seq order',
  );

  const frame = () => page.frames().find((f) => f.parentFrame() === page.mainFrame() && f.name() === '' && f !== page.mainFrame())!;
  await eventually(async () => new URL(frame().url()).pathname === '/', 'the player starts on the first page');
  // From here on, every page the player's frame goes to.
  const seen: string[] = [];
  page.on('framenavigated', (f) => {
    if (f.parentFrame() === page.mainFrame()) {
      const p = new URL(f.url()).pathname;
      if (f.url().startsWith('http') && seen[seen.length - 1] !== p) seen.push(p);
    }
  });
  // At 16x: the clock waits for each recorded page to load, so none is skipped.
  await page.selectOption('[data-tandem="player-speed"]', '16');
  await page.click('[data-tandem="player-play"]');
  await eventually(async () => (await page.isDisabled('[data-tandem="player-play"]')) === false, 'playing to the end', 30_000);
  t.same(seen, ['/two', '/fields'], 'the recorded pages followed in order');
  await eventually(async () => (await frame().inputValue('#text')) === 'recorded value', 'the recorded value in the field');
  t.equal(await page.locator('[data-tandem="player-commands"] li.tc-done').count(), log.length, 'every command applied');

  // Seek back to the start: the first page again, nothing typed yet.
  await page.locator('[data-tandem="player-timeline"]').evaluate((el: HTMLInputElement) => {
    el.value = '0';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await eventually(async () => new URL(frame().url()).pathname === '/', 'seeking to 0 shows the first page');
  t.match(await page.textContent('[data-tandem="player-time"]'), /^0:00 \//, 'the clock says so');

  // Play at 1x, pause, and the position stops moving.
  await page.selectOption('[data-tandem="player-speed"]', '1');
  await page.click('[data-tandem="player-play"]');
  await page.click('[data-tandem="player-pause"]');
  const at = await page.inputValue('[data-tandem="player-timeline"]');
  await page.waitForTimeout(200);
  t.equal(await page.inputValue('[data-tandem="player-timeline"]'), at, 'pause holds the position');
});
