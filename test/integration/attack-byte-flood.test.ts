/**
 * Attack: fill the gateway's memory and the session's log while staying under the message-rate
 * limit, by sending only frames of the largest size a command may have. Past the byte budget
 * the hub stops logging them (an error answers each), closes the client that keeps on with 1008,
 * and the gateway's memory stays bounded; another participant of the session is still heard.
 */

import t from 'tap';
import { HubClient } from '../helpers/hub-client.js';
import { startHubFixture } from './hub-fixture.js';
import { BUDGET_WINDOW_MS, PARTICIPANT_BUDGET_BYTES } from '../../gateway/hub/byte-budget.js';
import { FLOOD_RATE_PER_SEC } from '../../protocol/limits.js';

const MiB = 1024 * 1024;
const gw = await startHubFixture();
t.teardown(() => gw.close());

t.test('attack-byte-flood: max-size commands within the rate limit stop being logged past the budget; memory stays bounded', async (t) => {
  const sid = await gw.session();
  const attacker = await HubClient.connectReplayed(gw.url, gw.token(sid, 'customer', 'C'));
  const operator = await HubClient.connectReplayed(gw.url, gw.token(sid, 'operator', 'O'));
  t.teardown(() => [attacker, operator].forEach((c) => c.terminate()));

  const value = 'x'.repeat(32 * 1024);
  const frameBytes = Buffer.byteLength(JSON.stringify({ k: 'top/form/0/f0', op: 'input', a: 'others', d: { value }, c: 'c0000' }));
  const perSecond = Math.floor(FLOOD_RATE_PER_SEC * 0.8);
  const rssBefore = process.memoryUsage().rss;
  const started = Date.now();
  let sent = 0;
  // Up to 10 s at 80% of the message rate: several times the budget, if it were all logged.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      if (!attacker.isOpen || elapsed > 10_000) {
        clearInterval(timer);
        return resolve();
      }
      // Paced by what the socket has taken, so the memory measured is the gateway's, not this client's send buffer.
      for (; sent < (elapsed * perSecond) / 1000 && attacker.isOpen && attacker.ws.bufferedAmount < MiB; sent++) {
        attacker.send({ k: `top/form/0/f${sent % 50}`, op: 'input', a: 'others', d: { value } });
      }
    }, 20);
  });
  t.ok(sent * frameBytes > 1.25 * PARTICIPANT_BUDGET_BYTES, `the attacker sent ${Math.round((sent * frameBytes) / MiB)} MiB`);

  // The hub works through what it has received (on a loaded machine, well after the sending).
  const closed = await attacker.waitClosed(60_000);
  t.equal(closed.code, 1008, 'the client that kept flooding was closed with 1008');
  t.ok(
    attacker.ofType('error').some((e) => e.code === 'throttled'),
    'the attacker was told its commands were dropped',
  );
  await new Promise((r) => setTimeout(r, 500));
  const seconds = (Date.now() - started) / 1000;
  const logged = (await gw.app.store.log.meta(sid))!.head;
  const allowed = PARTICIPANT_BUDGET_BYTES + (PARTICIPANT_BUDGET_BYTES * seconds * 1000) / BUDGET_WINDOW_MS;
  t.ok(
    logged * frameBytes <= allowed + 2 * frameBytes,
    `logged ${Math.round((logged * frameBytes) / MiB)} MiB, within the budget of ${Math.round(allowed / MiB)} MiB`,
  );

  // Reconnecting does not refill the budget: it is the participant's, not the connection's.
  const closedAt = Date.now();
  const again = await HubClient.connectReplayed(gw.url, attacker.token);
  t.teardown(() => again.terminate());
  const loggedBefore = (await gw.app.store.log.meta(sid))!.head;
  for (let i = 0; i < 100; i++) again.send({ k: `top/form/0/again${i}`, op: 'input', a: 'others', d: { value } });
  await again.until(() => again.ofType('error').length >= 50, 'the answers to a second flood');
  const refill = ((Date.now() - closedAt) * PARTICIPANT_BUDGET_BYTES) / BUDGET_WINDOW_MS / frameBytes;
  const more = (await gw.app.store.log.meta(sid))!.head - loggedBefore;
  t.ok(more <= refill + 1, `after reconnecting, only what the budget refilled meanwhile is logged (${more} commands)`);

  const rssGrowth = process.memoryUsage().rss - rssBefore;
  t.ok(rssGrowth < 96 * MiB, `gateway RSS grew by ${Math.round(rssGrowth / MiB)} MiB`);

  operator.send({ k: 'top/pointer/o', op: 'pointer', a: 'others', d: { x: 1, y: 2 } });
  const head = (await gw.app.store.log.meta(sid))!.head;
  const reconnected = await HubClient.connectReplayed(gw.url, gw.token(sid, 'operator', 'O2'));
  t.teardown(() => reconnected.terminate());
  await reconnected.until(() => reconnected.commands().some((c) => c.op === 'pointer'), 'the operator pointer');
  t.ok((await gw.app.store.log.meta(sid))!.head >= head, "another participant's command is still logged");
});
