/**
 * Checkpoints: the customer's recorder takes a fresh snapshot once its changes outweigh the
 * snapshot they follow (and 2,000 events), so a joiner's replay stays about twice a snapshot at
 * most, and a busy page is not serialized whole every few seconds. A late joiner lands on the
 * customer's page either way.
 */

import t from 'tap';
import type { LoggedCommand } from '../../protocol/messages.js';
import {
  callOperator,
  openCustomer,
  openOperator,
  sessionLog,
  startSharingEnv,
  step,
  until,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';

/** Sets #ticks to 1…n, one change a task, as a busy page would. */
const tick = (n: number) => `new Promise((done) => {
  let i = 0;
  const next = () => { document.getElementById('ticks').textContent = String(++i); i < ${n} ? setTimeout(next, 4) : done(); };
  next();
})`;

/** The snapshots (first chunks) logged since the latest nav to `path`. */
function snapshotsOn(log: LoggedCommand[], path: string): number {
  const nav = log.findLastIndex(
    (c) => c.op === 'nav' && c.k === 'top' && new URL((c.d as { url: string }).url, 'http://x').pathname === path,
  );
  return log.slice(nav + 1).filter((c) => c.op === 'snapshot' && (c.d as { i: number }).i === 0).length;
}

t.test('checkpoints follow the bytes: a light page gets one after 2,000 changes, a heavy one not yet', async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/fields');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await waitForContent(operator, '#text');
  const c = customer.content();

  await step(t, 'a light page: 2,100 changes, a checkpoint', async () => {
    await c.evaluate(`document.body.insertAdjacentHTML('beforeend', '<p id="ticks">0</p>')`);
    await c.evaluate(tick(2100));
    await until(() => operator.content().textContent('#ticks'), '2100', "the operator's mirror follows");
    t.ok(snapshotsOn(await sessionLog(env, call), '/fields') >= 2, 'a fresh snapshot was logged after the changes');
  });

  await step(t, 'a heavy page: 2,100 changes, no checkpoint yet', async () => {
    await c.evaluate(`location.href = '/big'`);
    await waitForContent(operator, '.filler');
    await c.evaluate(tick(2100));
    await until(() => operator.content().textContent('#ticks'), '2100', "the operator's mirror follows");
    t.equal(snapshotsOn(await sessionLog(env, call), '/big'), 1, 'the snapshot of the load only: its 1 MB outweighs the changes');
  });

  await step(t, 'a late joiner lands on the page as it is', async () => {
    const late = await openOperator(env, call, { name: 'bob' });
    await waitForContent(late, '.filler');
    await until(() => late.content().textContent('#ticks'), '2100', "the late joiner's mirror");
    t.equal(await late.content().locator('.filler').count(), 1000, 'and every paragraph of it');
  });
});
