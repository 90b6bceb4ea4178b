/**
 * The whole call flow in Chromium, with two gateway replicas sharing one real Redis: the
 * customer on one replica, the operators' consoles on the other. Call, ring, respond, taken
 * elsewhere, sync, invite, the second operator in sync, leave, end, cleared; and the exported
 * log equal to what was shared.
 */

import t from 'tap';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  sameDocument,
  sessionLog,
  startSharingEnv,
  until,
  waitForStatus,
} from './helpers/sharing.js';
import { enabledResponds, openConsole, respondFor, shellOf } from './flow-helpers.js';

t.test('flow: call, ring, respond, taken elsewhere, sync, invite, leave, end — across two replicas', async (t) => {
  const env = await startSharingEnv(t, { replicas: true, operators: ['alice', 'bob'] });
  const [customerBase, operatorBase] = env.urls;
  const alice = await openConsole(env, operatorBase, 'alice');
  const bob = await openConsole(env, operatorBase, 'bob');

  for (const tab of [alice, bob]) {
    t.equal(await tab.page.locator('[data-tandem="respond"]').count(), 1, `${tab.name}: one Respond while no call waits`);
    t.equal(await enabledResponds(tab), 0, `${tab.name}: and it is disabled`);
  }

  // The customer presses Call operator on the other replica; both consoles ring.
  const customer = await openCustomer(env, '/', { base: customerBase });
  const call = await callOperator(customer);
  await waitForStatus(customer, 'waiting');
  for (const tab of [alice, bob]) {
    await tab.page.waitForSelector(`${respondFor(call.id)}:not([disabled])`, { timeout: 5000 });
    t.ok(await tab.page.evaluate(() => document.body.classList.contains('tc-ringing')), `${tab.name}: the console rings visibly`);
    t.match(
      await tab.page.textContent(`[data-tandem="queue"] li.tc-waiting[data-session="${call.id}"]`),
      call.code,
      `${tab.name}: with the call's code`,
    );
  }

  // Alice responds first: she is taken to the session URL; Bob's console shows it taken.
  await alice.page.click(respondFor(call.id));
  await alice.page.waitForURL(`**/__tandem/s/${call.id}`);
  const aliceShell = shellOf(alice);
  await waitForStatus(aliceShell, 'connected');
  await waitForStatus(customer, 'connected');
  await bob.page.waitForFunction((id) => {
    const li = document.querySelector(`[data-tandem="queue"] li[data-session="${id}"]`);
    return !li || (li.querySelector('[data-tandem="respond"]') as HTMLButtonElement).disabled;
  }, call.id);
  t.equal(await enabledResponds(bob), 0, 'bob can no longer respond to the taken call');
  t.match(
    await bob.page.evaluate(
      (id) => document.querySelector(`[data-tandem="queue"] li[data-session="${id}"]`)?.textContent ?? 'gone',
      call.id,
    ),
    /taken by alice|gone/,
    'bob sees who took it',
  );

  // Sync: the customer navigates and types; alice sees it.
  await eventually(async () => (await contentPath(aliceShell)) === '/', 'alice on the customer page');
  await customer.content().click('#to-two');
  await eventually(async () => (await contentPath(aliceShell)) === '/two', 'alice follows to /two');
  await customer.content().click('#to-fields');
  await eventually(async () => (await contentPath(aliceShell)) === '/fields', 'alice follows to /fields');
  await customer.content().fill('#text', 'hello from the customer');
  await until(() => aliceShell.content().inputValue('#text'), 'hello from the customer', 'alice sees the typing');
  t.equal(
    await aliceShell.content().inputValue('#text'),
    'hello from the customer',
    'navigation and typing reach the operator on the other replica',
  );
  await aliceShell.content().click('#count');
  await until(() => customer.content().textContent('#counter'), '1', "alice's click reaches the customer page");
  await until(() => aliceShell.content().textContent('#counter'), '1', "and shows in alice's mirror");
  t.equal(await customer.content().textContent('#counter'), '1', "the operator's click in the mirror acts on the customer's page, once");

  // Invite: bob's console rings with the conference request; he responds and joins in sync.
  await alice.page.click('[data-tandem="invite"]');
  await bob.page.waitForSelector(`${respondFor(call.id)}:not([disabled])`, { timeout: 5000 });
  t.match(
    await bob.page.textContent(`[data-tandem="queue"] li.tc-waiting[data-session="${call.id}"]`),
    /Invite from alice/,
    'bob sees the invite',
  );
  await bob.page.click(respondFor(call.id));
  await bob.page.waitForURL(`**/__tandem/s/${call.id}`);
  const bobShell = shellOf(bob);
  await waitForStatus(bobShell, 'connected');
  await eventually(async () => (await contentPath(bobShell)) === '/fields', 'bob on the customer page');
  await until(() => bobShell.content().inputValue('#text'), 'hello from the customer', 'bob gets the same replay');
  await sameDocument(customer, bobShell);
  await eventually(
    async () => /bob/.test((await customer.page.textContent('[data-tandem="participants"]')) ?? ''),
    'the customer sees bob',
  );
  t.pass('the invited operator joins with the same replay');

  // Bob leaves: the session goes on without him.
  await bob.page.click('[data-tandem="leave"]');
  await eventually(
    async () => !/bob/.test((await customer.page.textContent('[data-tandem="participants"]')) ?? ''),
    'bob gone from the customer’s participants',
  );
  await customer.content().fill('#text', 'after bob left');
  await until(() => aliceShell.content().inputValue('#text'), 'after bob left', 'alice still in sync');
  t.pass('leave does not end the session');

  // The customer ends it: everyone's content frame is cleared and says so.
  await customer.page.click('[data-tandem="connect"]');
  await waitForStatus(customer, 'ended');
  await waitForStatus(aliceShell, 'ended');
  await eventually(async () => (await aliceShell.content().locator('[data-tandem-ended]').count()) === 1, 'alice’s frame cleared');
  t.notOk(await aliceShell.content().locator('#text').count(), 'no trace of the customer page on alice’s side');

  // The exported log is what was shared, the same from either replica.
  const log = await sessionLog(env, call, customerBase);
  t.same(
    log.map((c) => c.seq),
    log.map((_c, i) => i + 1),
    'seq 1..n, no gap',
  );
  const navs = log.filter((c) => c.op === 'nav' && c.k === 'top').map((c) => new URL((c.d as { url: string }).url, 'http://x').pathname);
  t.same(
    navs.filter((p, i) => p !== navs[i - 1]),
    ['/', '/two', '/fields'],
    'the pages, in order',
  );
  // The recording (the customer's document, in snapshot and dom commands) holds the values typed.
  const recorded = (v: string) =>
    log
      .filter((c) => (c.op === 'snapshot' || c.op === 'dom') && String((c.d as { part?: unknown }).part ?? '').includes(v))
      .map((c) => c.seq);
  const hello = recorded('hello from the customer');
  const after = recorded('after bob left');
  t.ok(hello.length > 0 && after.length > 0, 'the recording holds both values typed');
  t.ok(after.length > 0 && hello.length > 0 && Math.max(...after) > Math.min(...hello), 'the field values, last one last');
  t.same(await sessionLog(env, call, operatorBase), log, 'the other replica exports the same log');

  // Consoles: the session left the live lists and is among the past ones.
  await alice.page.goto(`${operatorBase}/__tandem/console`);
  await alice.page.waitForSelector(`[data-tandem="past-sessions"] tr[data-session="${call.id}"]`);
  t.match(
    await alice.page.textContent(`[data-tandem="past-sessions"] tr[data-session="${call.id}"]`),
    /alice/,
    'the past session says who',
  );
  t.equal(await alice.page.locator(`[data-tandem="live-sessions"] li[data-session="${call.id}"]`).count(), 0, 'no longer live');
});
