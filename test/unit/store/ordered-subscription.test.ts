import t, { type Test } from 'tap';
import type { LogEvent } from '../../../store/command-log.js';
import { MemoryCommandLog } from '../../../store/memory-command-log.js';
import { OrderedSubscription } from '../../../store/ordered-subscription.js';

/** A real log to read from, and a subscription fed by hand as a shaky channel would feed it. */
async function setup(t: Test, throwing = false) {
  const log = new MemoryCommandLog();
  t.teardown(() => log.close());
  const { epoch } = await log.create('s');
  const cmds = [];
  for (let i = 1; i <= 5; i++)
    cmds.push((await log.append('s', { k: 'top/pointer/p', op: 'pointer', a: 'others', d: { x: i, y: 0 }, by: 'p' })).cmd);
  const events: LogEvent[] = [];
  const sub = new OrderedSubscription(
    's',
    epoch,
    0,
    log,
    (e) => {
      events.push(e);
      if (throwing) throw new Error('listener bug');
    },
    async () => {},
  );
  const seqs = () => events.map((e) => (e.type === 'command' ? e.cmd.seq : e.type));
  const settled = () => new Promise((r) => setTimeout(r, 20));
  return { log, epoch, cmds, sub, events, seqs, settled };
}

t.test('ordered-subscription: a message past the next seq is preceded by the missing range', async (t) => {
  const { epoch, cmds, sub, seqs, settled } = await setup(t);
  sub.push({ epoch, cmd: cmds[2] });
  await settled();
  t.same(seqs(), [1, 2, 3, 4, 5], 'filled from the log up to its head');
  sub.push({ epoch, cmd: cmds[1] });
  sub.push({ epoch, cmd: cmds[4] });
  await settled();
  t.same(seqs(), [1, 2, 3, 4, 5], 'late and repeated messages are dropped');
});

t.test('ordered-subscription: a message from another epoch becomes a reset at the stored head', async (t) => {
  const { log, cmds, sub, events, seqs, settled, epoch } = await setup(t);
  sub.push({ epoch, cmd: cmds[0] });
  sub.push({ epoch: 'another', cmd: cmds[1] });
  await settled();
  t.same(seqs(), [1, 'reset']);
  t.same(events[1], { type: 'reset', epoch, head: 5 }, 'the reset names what the log holds');
  const { cmd } = await log.append('s', { k: 'top', op: 'nav', a: 'all', d: { url: '/' }, by: 'p' });
  sub.push({ epoch, cmd });
  await settled();
  t.same(seqs(), [1, 'reset', 6], 'then it continues after that head');
});

t.test('ordered-subscription: a throwing listener keeps receiving, and close stops delivery', async (t) => {
  const { log, epoch, cmds, sub, seqs, settled } = await setup(t, true);
  sub.push({ epoch, cmd: cmds[0] });
  sub.push({ epoch, cmd: cmds[1] });
  await settled();
  t.same(seqs(), [1, 2]);
  await sub.close();
  sub.push({ epoch, cmd: cmds[2] });
  await log.end('s', 1000);
  sub.push({ epoch, ended: true });
  await settled();
  t.same(seqs(), [1, 2]);
});

t.test('ordered-subscription: ended comes after the commands it had not yet seen, and only once', async (t) => {
  const { epoch, sub, seqs, settled, log } = await setup(t);
  await log.end('s', 1000);
  sub.push({ epoch, ended: true });
  sub.push({ epoch, ended: true });
  await settled();
  t.same(seqs(), [1, 2, 3, 4, 5, 'ended']);
});
