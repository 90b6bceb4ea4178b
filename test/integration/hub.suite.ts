/**
 * The hub's behaviour on one gateway, run over the memory store (hub.test.ts) and over a real
 * Redis (hub-redis.test.ts): the same assertions on both.
 */

import type { TAP, Test } from 'tap';
import type { BuiltPlugins } from '@tapjs/test';
import { newId } from '../../gateway/identity/tokens.js';
import { CLOSE_ENDED, CLOSE_POLICY, CLOSE_RESTART, CLOSE_SLOW, CLOSE_TOO_BIG, MAX_FRAME_BYTES } from '../../protocol/limits.js';
import type { Command, HubMessage } from '../../protocol/messages.js';
import { HubClient, type ResumeAt } from '../helpers/hub-client.js';
import { metricValue, type HubFixture, type HubFixtureOptions } from './hub-fixture.js';

type Start = (opts?: HubFixtureOptions) => Promise<HubFixture>;
type T = Test & BuiltPlugins;

/** What a message is, for order assertions: its `type`, or a command's op. */
function kind(m: HubMessage): string {
  return 'type' in m ? m.type : m.op;
}

function withoutPresence(ms: HubMessage[]): HubMessage[] {
  return ms.filter((m) => kind(m) !== 'presence');
}

function seqs(cs: Command[]): number[] {
  return cs.map((c) => c.seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

async function join(t: T, gw: HubFixture, token: string, resume?: ResumeAt | null): Promise<HubClient> {
  const c = await HubClient.connect(gw.url, token, resume);
  t.teardown(() => c.terminate());
  return c;
}

async function headOf(gw: HubFixture, session: string): Promise<number> {
  return (await gw.app.store.log.meta(session))!.head;
}

async function waitFor(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function runHubSuite(t: TAP, start: Start): void {
  let gw: HubFixture;
  t.before(async () => {
    gw = await start();
  });
  t.teardown(() => gw.close());

  t.test(
    'hub: a missing, forged or expired token, a console token, and an unknown or ended session get 401 before any upgrade',
    async (t) => {
      const sid = await gw.session();
      const ended = await gw.session();
      await gw.app.store.log.end(ended, 60_000);
      const good = gw.token(sid, 'customer');
      const dot = good.indexOf('.');
      const flipped = good[dot + 5] === 'A' ? 'B' : 'A';
      const cases: Record<string, string> = {
        missing: '',
        malformed: 'not-a-token',
        forged: good.slice(0, dot + 5) + flipped + good.slice(dot + 6),
        expired: gw.app.tokens.hub(sid, 'p-expired', 'customer', 'late', -1000),
        'console token': gw.app.tokens.console('alice', 60_000),
        'unknown session': gw.token('no-such-session', 'customer'),
        'ended session': gw.token(ended, 'customer'),
      };
      for (const [name, token] of Object.entries(cases)) {
        const r = await HubClient.refused(gw.url, token);
        t.equal(r.status, 401, `${name}: 401`);
        t.equal(r.body?.error, 'TANDEM_ERR_UNAUTHORIZED', `${name}: JSON error body`);
      }
      const ok = await join(t, gw, good);
      const welcome = await ok.next('welcome');
      t.equal(welcome.session, sid, 'the genuine token connects');
    },
  );

  t.test('hub: a joiner gets welcome, control, the compacted state (navs first), replayed, then live commands', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer', 'Carol'));
    await customer.next('replayed');
    customer.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: 10 } });
    customer.send({ k: 'top', op: 'nav', d: { url: '/accounts' } });
    customer.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: 20 } });
    customer.send({ k: 'top/form/0/email', op: 'input', d: { value: 'carol@example.com' } });
    await waitFor(async () => (await headOf(gw, sid)) === 4, 'four commands logged');

    const operator = await join(t, gw, gw.token(sid, 'operator', 'Otto', 'otto'));
    const replayed = await operator.next('replayed');
    t.equal(replayed.head, 4, 'replayed names the head');
    const before = withoutPresence(operator.messages);
    t.same(
      before.map(kind),
      ['welcome', 'control', 'nav', 'scroll', 'input', 'replayed'],
      'the nav retired the older scroll and comes first',
    );
    const welcome = before[0] as Extract<HubMessage, { type: 'welcome' }>;
    const meta = await gw.app.store.log.meta(sid);
    t.match(welcome, { type: 'welcome', participant: 'otto', role: 'operator', session: sid, epoch: meta!.epoch, head: 4, name: 'Otto' });
    t.match(welcome.color, /^#[0-9a-f]{6}$/);
    t.same((before[3] as Command).d, { x: 0, y: 20 }, 'the latest scroll is replayed');
    t.same(seqs(before.filter((m): m is Command => 'seq' in m)), [2, 3, 4]);

    customer.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: 30 } });
    await operator.until(() => operator.lastSeq === 5, 'the live scroll');
    const live = operator.liveCommands();
    t.same(seqs(live), [5]);
    t.match(live[0], { k: 'top/scroll', op: 'scroll', d: { x: 0, y: 30 }, by: customer.ofType('welcome')[0].participant });
    t.type(live[0].t, 'number');
  });

  t.test('hub: joining during a stream of commands misses none and doubles none', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer'));
    const welcome = await customer.next('welcome');
    await customer.next('replayed');
    const total = 400;
    const joiners: Promise<HubClient>[] = [];
    for (let i = 1; i <= total; i++) {
      customer.send({ k: 'top/pointer/c', op: 'pointer', d: { x: i, y: i }, a: 'all' });
      if (i % 40 === 0) {
        // From the start (since=0), and fresh from the compacted state.
        joiners.push(join(t, gw, gw.token(sid, 'operator'), { since: 0, epoch: welcome.epoch }));
        joiners.push(join(t, gw, gw.token(sid, 'operator')));
        await new Promise((r) => setTimeout(r, 15));
      }
    }
    const all = await Promise.all(joiners);
    for (const [i, c] of [customer, ...all].entries()) {
      await c.until(() => c.lastSeq === total, `client ${i} reaching seq ${total}`);
    }
    t.same(seqs(customer.commands()), range(1, total), 'the sender sees its "all" commands, each once, in order');
    for (const [i, c] of all.entries()) {
      const got = seqs(c.commands());
      if (i % 2 === 0) t.same(got, range(1, total), `resumed joiner ${i}: every command once, in order`);
      else {
        const head = c.ofType('replayed')[0].head;
        t.same(seqs(c.liveCommands()), range(head + 1, total), `fresh joiner ${i}: everything after its replay, once, in order`);
      }
    }
  });

  t.test('hub: resuming with since and epoch gets exactly the commands after since', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer'));
    await customer.next('replayed');
    const operator = await join(t, gw, gw.token(sid, 'operator', 'Otto', 'otto'));
    await operator.next('replayed');
    for (let i = 1; i <= 5; i++) customer.send({ k: `top/form/0/f${i}`, op: 'input', d: { value: `v${i}` } });
    operator.send({ k: 'top/pointer/otto', op: 'pointer', d: { x: 1, y: 1 } });
    await operator.until(() => operator.lastSeq === 5, 'five commands');
    operator.terminate();
    await operator.waitClosed();
    for (let i = 6; i <= 10; i++) customer.send({ k: `top/form/0/f${i}`, op: 'input', d: { value: `v${i}` } });
    await waitFor(async () => (await headOf(gw, sid)) === 11, 'eleven commands logged');

    const back = await join(t, gw, operator.token, operator.resumeAt());
    await back.next('replayed');
    const got = withoutPresence(back.messages);
    t.same(got.map(kind), ['welcome', 'control', ...Array(5).fill('input'), 'replayed'], 'no reset, no snapshot: the missed commands only');
    t.same(seqs(back.commands()), [7, 8, 9, 10, 11], 'its own "others" pointer (seq 6) is not echoed');
    t.same((back.commands()[0].d as { value: string }).value, 'v6');
  });

  t.test('hub: resuming with another epoch gets a reset, then the compacted state', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer'));
    await customer.next('replayed');
    customer.send({ k: 'top', op: 'nav', d: { url: '/x' }, a: 'all' });
    await customer.until(() => customer.lastSeq === 1, 'the nav');
    const meta = await gw.app.store.log.meta(sid);
    const back = await join(t, gw, gw.token(sid, 'operator'), { since: 1, epoch: 'an-old-epoch' });
    await back.next('replayed');
    const got = withoutPresence(back.messages);
    t.same(got.map(kind), ['welcome', 'reset', 'control', 'nav', 'replayed']);
    t.match(got[1], { type: 'reset', epoch: meta!.epoch, head: 1 });
  });

  t.test('hub: resuming past what the log still keeps gets a reset, never a silent gap', async (t) => {
    const small = await start({ maxLen: 10 });
    t.teardown(() => small.close());
    const sid = await small.session();
    const customer = await HubClient.connect(small.url, small.token(sid, 'customer'));
    t.teardown(() => customer.terminate());
    const welcome = await customer.next('welcome');
    await customer.next('replayed');
    // Redis trims whole stream nodes (100 entries) at a time: send well past that.
    for (let i = 1; i <= 250; i++) customer.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: i }, a: 'all' });
    await customer.until(() => customer.lastSeq === 250, '250 commands');
    const back = await HubClient.connect(small.url, small.token(sid, 'operator'), { since: 1, epoch: welcome.epoch });
    t.teardown(() => back.terminate());
    await back.next('replayed');
    const got = withoutPresence(back.messages);
    t.same(got.map(kind), ['welcome', 'reset', 'control', 'scroll', 'replayed']);
    t.equal((got[3] as Command).seq, 250, 'the compacted state instead of the trimmed range');
  });

  t.test('hub: "others" commands reach everyone but their sender; "all" ones reach the sender too', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer', 'C', 'cust'));
    const operator = await join(t, gw, gw.token(sid, 'operator', 'O', 'oper'));
    await Promise.all([customer.next('replayed'), operator.next('replayed')]);
    customer.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: 1 } });
    customer.send({ k: 'top/pointer/cust', op: 'pointer', d: { x: 2, y: 2 }, a: 'all' });
    operator.send({ k: 'top/pointer/oper', op: 'pointer', d: { x: 3, y: 3 }, a: 'others' });
    customer.send({ k: 'top/form/0/done', op: 'input', d: { value: 'end' }, a: 'all' });
    await waitFor(async () => (await headOf(gw, sid)) === 4, 'four commands logged');
    await customer.until(() => customer.commands().some((c) => c.op === 'input'), 'the marker');
    await operator.until(() => operator.commands().some((c) => c.op === 'input'), 'the marker');
    const ops = (c: HubClient) => c.commands().map((m) => `${m.by}:${m.op}`);
    t.notOk(ops(customer).includes('cust:scroll'), 'no echo of the customer\'s "others" scroll');
    t.ok(ops(customer).includes('cust:pointer'), 'the customer\'s "all" pointer comes back');
    t.ok(ops(customer).includes('oper:pointer'), "the operator's pointer reaches the customer");
    t.ok(ops(operator).includes('cust:scroll') && ops(operator).includes('cust:pointer'), 'the operator gets both customer commands');
    t.notOk(ops(operator).includes('oper:pointer'), 'no echo of the operator\'s "others" pointer');
    for (const c of [customer, operator]) {
      const s = seqs(c.commands());
      t.same(
        s,
        [...s].sort((a, b) => a - b),
        'in seq order',
      );
    }
  });

  t.test('hub: presence lists who is connected, with a stable colour each, and follows joins and leaves', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer', 'Carol', 'carol'));
    await customer.until(() => customer.ofType('presence').some((p) => p.participants.length === 1), 'presence of one');
    const operator = await join(t, gw, gw.token(sid, 'operator', 'Otto', 'otto'));
    const both = (c: HubClient) => c.ofType('presence').some((p) => p.participants.length === 2);
    await customer.until(() => both(customer), 'presence of two at the customer');
    await operator.until(() => both(operator), 'presence of two at the operator');
    const list = customer
      .ofType('presence')
      .at(-1)!
      .participants.sort((a, b) => a.id.localeCompare(b.id));
    t.match(list, [
      { id: 'carol', name: 'Carol', role: 'customer', color: /^#/ },
      { id: 'otto', name: 'Otto', role: 'operator', color: /^#/ },
    ]);
    t.equal(list[1].color, operator.ofType('welcome')[0].color, 'presence and welcome agree on the colour');
    operator.terminate();
    await customer.until(() => customer.ofType('presence').at(-1)!.participants.length === 1, 'the operator leaving');
    t.same(
      customer
        .ofType('presence')
        .at(-1)!
        .participants.map((p) => p.id),
      ['carol'],
    );

    const again = await join(t, gw, gw.token(sid, 'operator', 'Otto', 'otto'));
    t.equal((await again.next('welcome')).color, list[1].color, 'the same participant gets the same colour again');
  });

  t.test('hub: when the session ends everyone gets ended and is closed, and cannot come back', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer'));
    const operator = await join(t, gw, gw.token(sid, 'operator'));
    await Promise.all([customer.next('replayed'), operator.next('replayed')]);
    await gw.app.store.log.end(sid, 60_000);
    for (const c of [customer, operator]) {
      await c.next('ended');
      t.equal((await c.waitClosed()).code, CLOSE_ENDED);
    }
    const r = await HubClient.refused(gw.url, gw.token(sid, 'operator'));
    t.equal(r.status, 401);
  });

  t.test('hub: unknown ops, ill-formed data and JSON, bad keys and forbidden ops are answered with an error and dropped', async (t) => {
    const sid = await gw.session();
    const operator = await join(t, gw, gw.token(sid, 'operator'));
    await operator.next('replayed');
    operator.send({ k: 'top', op: 'eval', d: { code: 'alert(1)' }, c: 'e1' });
    operator.send({ k: 'top/scroll', op: 'scroll', d: { x: 'far', y: 0 }, c: 'e2' });
    operator.sendRaw('{"k":"top","op":');
    operator.send({ k: '../etc', op: 'pointer', d: { x: 1, y: 1 }, c: 'e4' });
    operator.send({ k: 'top/resize', op: 'resize', d: { w: 10, h: 10 }, c: 'e5' });
    operator.sendRaw(Buffer.from([0xff, 0x00, 0x13]));
    operator.sendRaw('[1,2,3]');
    operator.send({ k: 'top/pointer/o', op: 'pointer', d: { x: 1, y: 2 }, a: 'all', c: 'ok' });
    await operator.until(() => operator.commands().length === 1, 'the valid command');
    const errors = operator.ofType('error').map((e) => [e.code, e.c]);
    t.same(errors, [
      ['unknown_op', 'e1'],
      ['bad_data', 'e2'],
      ['bad_json', undefined],
      ['bad_key', 'e4'],
      ['forbidden', 'e5'],
      ['bad_json', undefined],
      ['bad_command', undefined],
    ]);
    t.equal(await headOf(gw, sid), 1, 'only the valid command was logged');
    t.ok(operator.isOpen, 'the connection stays open');
  });

  t.test('hub: a frame over 64 KiB closes the connection with 1009; one of 64 KiB does not', async (t) => {
    const sid = await gw.session();
    const c = await join(t, gw, gw.token(sid, 'customer'));
    await c.next('replayed');
    c.sendRaw('x'.repeat(MAX_FRAME_BYTES));
    await c.until(() => c.ofType('error').length === 1, 'an error for the 64 KiB frame');
    t.ok(c.isOpen);
    c.sendRaw('x'.repeat(MAX_FRAME_BYTES + 1));
    t.equal((await c.waitClosed()).code, CLOSE_TOO_BIG);
    const d = await join(t, gw, gw.token(sid, 'customer'));
    await d.next('replayed');
    d.sendRaw(Buffer.alloc(300 * 1024, 0x20));
    t.equal((await d.waitClosed()).code, CLOSE_TOO_BIG, 'a much larger one too');
  });

  t.test('hub: a flooding client is throttled, then closed with 1008', async (t) => {
    const sid = await gw.session();
    const c = await join(t, gw, gw.token(sid, 'customer'));
    await c.next('replayed');
    // Far past the bucket (600 at once, 300/s after), in bursts until the hub gives up on us.
    let sent = 0;
    while (c.isOpen && sent < 20_000) {
      for (let i = 0; i < 500; i++) c.send({ k: 'top/pointer/c', op: 'pointer', d: { x: sent + i, y: 0 } });
      sent += 500;
      await new Promise((r) => setTimeout(r, 5));
    }
    const closed = await c.waitClosed();
    t.equal(closed.code, CLOSE_POLICY);
    const throttled = c.ofType('error').filter((e) => e.code === 'throttled');
    t.ok(throttled.length > 0, `throttled first (${throttled.length} throttled errors)`);
    t.ok(
      throttled.every((e) => typeof e.c === 'string'),
      'each throttled error names the dropped command',
    );
    const head = await headOf(gw, sid);
    t.ok(head > 0 && head < sent, `some commands were logged, the flood was not (${head} of ${sent})`);
  });

  t.test('hub: a client that stops reading is closed past the backpressure limit while the others keep receiving', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer'));
    const fast = await join(t, gw, gw.token(sid, 'operator'));
    // Straight to the hub's port: the front door's hop would add its own socket buffers to fill.
    const slow = await HubClient.connect(`http://127.0.0.1:${gw.gateway.hub.port}`, gw.token(sid, 'operator'));
    t.teardown(() => slow.terminate());
    await Promise.all([customer.next('replayed'), fast.next('replayed'), slow.next('replayed')]);
    slow.stopReading();
    const points = Array.from({ length: 2000 }, (_, i) => [1000.25 + i, 2000.5 + i]);
    const slowClosed = async () => (await metricValue(gw.app, 'tandem_hub_closed_total', { reason: 'slow' })) > 0;
    const before = await metricValue(gw.app, 'tandem_hub_closed_total', { reason: 'slow' });
    let sent = 0;
    // About 37 KB a command; well past the kernel's buffers and the 1 MiB limit within ~100 MB.
    while (sent < 2800 && (await metricValue(gw.app, 'tandem_hub_closed_total', { reason: 'slow' })) === before) {
      for (let i = 0; i < 100; i++) customer.send({ k: `top/ink/c/${sent}`, op: 'ink', d: { points, color: '#f00' } });
      sent += 100;
      await fast.until(() => fast.lastSeq === sent, `the fast operator receiving ${sent}`, 20_000);
    }
    t.ok(await slowClosed(), `the slow client was closed by the hub after ${sent} commands`);
    t.same(seqs(fast.commands()), range(1, sent), 'the fast operator got everything, in order');
    slow.resumeReading();
    const code = (await slow.waitClosed()).code;
    t.ok(code === CLOSE_SLOW || code === 1006, `the slow client sees its connection closed (${code})`);
    t.ok(customer.isOpen && fast.isOpen, 'the others stay connected');
  });

  t.test('hub: TANDEM_OPERATOR_CONTROL=always lets operators operate', async (t) => {
    const sid = await gw.session();
    const operator = await join(t, gw, gw.token(sid, 'operator'));
    const control = await operator.next('control');
    t.match(control, { granted: true, mode: 'always' });
    await operator.next('replayed');
    operator.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: 5 }, a: 'all' });
    operator.send({ k: 'top/form/0/a', op: 'click', d: { el: 'top/form/0/a' }, a: 'all' });
    await operator.until(() => operator.commands().length === 2, 'both echoed');
    t.same(operator.ofType('error'), []);
  });

  t.test('hub: TANDEM_OPERATOR_CONTROL=never refuses operator control ops, whatever the customer says', async (t) => {
    const never = await start({ env: { TANDEM_OPERATOR_CONTROL: 'never' } });
    t.teardown(() => never.close());
    const sid = await never.session();
    const customer = await HubClient.connect(never.url, never.token(sid, 'customer'));
    const operator = await HubClient.connect(never.url, never.token(sid, 'operator'));
    t.teardown(() => (customer.terminate(), operator.terminate()));
    t.match(await operator.next('control'), { granted: false, mode: 'never' });
    await Promise.all([customer.next('replayed'), operator.next('replayed')]);
    customer.send({ k: 'session/control', op: 'control', d: { granted: true }, a: 'all' });
    await customer.until(() => customer.commands().length === 1, 'the grant logged');
    operator.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: 5 }, c: 's' });
    operator.send({ k: 'top', op: 'nav', d: { url: '/evil' }, c: 'n' });
    operator.send({ k: 'top/form/0/a', op: 'input', d: { value: 'x' }, c: 'i' });
    operator.send({ k: 'top/pointer/o', op: 'pointer', d: { x: 1, y: 1 }, a: 'all', c: 'p' });
    operator.send({ k: 'top/ink/o/1', op: 'ink', d: { points: [[1, 1]], color: '#0f0' }, a: 'all', c: 'k' });
    await operator.until(() => operator.commands().length === 3, 'pointer and ink echoed');
    t.same(
      operator.ofType('error').map((e) => [e.code, e.c]),
      [
        ['no_control', 's'],
        ['no_control', 'n'],
        ['no_control', 'i'],
      ],
    );
    t.same(
      operator.commands().map((c) => c.op),
      ['control', 'pointer', 'ink'],
      'pointing and drawing pass',
    );
  });

  t.test('hub: TANDEM_OPERATOR_CONTROL=ask lets operators operate only while the customer grants it', async (t) => {
    const ask = await start({ env: { TANDEM_OPERATOR_CONTROL: 'ask' } });
    t.teardown(() => ask.close());
    const sid = await ask.session();
    const customer = await HubClient.connect(ask.url, ask.token(sid, 'customer'));
    const operator = await HubClient.connect(ask.url, ask.token(sid, 'operator'));
    t.teardown(() => (customer.terminate(), operator.terminate()));
    t.match(await operator.next('control'), { granted: false, mode: 'ask' });
    await Promise.all([customer.next('replayed'), operator.next('replayed')]);

    operator.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: 1 }, c: 'before' });
    await operator.until(() => operator.ofType('error').length === 1, 'a refusal');
    t.match(operator.ofType('error')[0], { code: 'no_control', c: 'before' });
    operator.send({ k: 'session/control', op: 'control', d: { granted: true }, c: 'self-grant' });
    await operator.until(() => operator.ofType('error').length === 2, 'a second refusal');
    t.match(operator.ofType('error')[1], { code: 'forbidden', c: 'self-grant' }, 'an operator cannot grant itself control');

    const mark = operator.messages.length;
    const customerMark = customer.messages.length;
    customer.send({ k: 'session/control', op: 'control', d: { granted: true } });
    t.match(await operator.next('control', mark), { granted: true, mode: 'ask' }, 'everyone is told of the grant');
    t.match(await customer.next('control', customerMark), { granted: true, mode: 'ask' });
    operator.send({ k: 'top/scroll', op: 'scroll', d: { x: 0, y: 2 }, a: 'all', c: 'during' });
    await operator.until(() => operator.commands().some((c) => c.op === 'scroll'), 'the scroll accepted');

    const late = await HubClient.connect(ask.url, ask.token(sid, 'operator'));
    t.teardown(() => late.terminate());
    t.match(await late.next('control'), { granted: true, mode: 'ask' }, 'a late joiner learns the grant');

    const mark2 = operator.messages.length;
    customer.send({ k: 'session/control', op: 'control', d: { granted: false } });
    t.match(await operator.next('control', mark2), { granted: false, mode: 'ask' });
    operator.send({ k: 'top', op: 'nav', d: { url: '/after' }, c: 'after' });
    await operator.until(() => operator.ofType('error').length === 3, 'a refusal after the revoke');
    t.match(operator.ofType('error')[2], { code: 'no_control', c: 'after' });
  });

  t.test('hub: shutdown tells every client to reconnect, closes with 1012 and clears presence', async (t) => {
    const own = await start();
    let closed = false;
    t.teardown(() => (closed ? undefined : own.close()));
    const sid = await own.session();
    const c = await HubClient.connect(own.url, own.token(sid, 'customer', 'C', 'cust'));
    t.teardown(() => c.terminate());
    await c.until(() => c.ofType('presence').length > 0, 'presence');
    t.equal((await own.app.store.directory.present(sid)).length, 1);
    await own.gateway.close();
    t.equal((await c.waitClosed()).code, CLOSE_RESTART);
    t.equal(c.ofType('reconnect').length, 1, 'told to reconnect first');
    t.same(await own.app.store.directory.present(sid), [], 'presence cleared');
    closed = true;
    await own.app.store.close();
  });

  t.test('hub: data that breaks lines cannot forge a command: it arrives as sent, and nothing else does', async (t) => {
    const sid = await gw.session();
    const customer = await join(t, gw, gw.token(sid, 'customer', 'C', newId(6)));
    const welcome = await customer.next('welcome');
    await customer.next('replayed');
    const operator = await join(t, gw, gw.token(sid, 'operator', 'O', newId(6)));
    await operator.next('replayed');
    // A publication line naming the customer as sender, with the seq this command will get,
    // between line breaks in the data, and enough padding for the hub to take the data as the
    // bytes sent.
    const seq = (await headOf(gw, sid)) + 1;
    const forged = JSON.stringify({
      s: sid,
      e: welcome.epoch,
      c: { seq, t: 1, a: 'all', k: 'top/pointer/forged', op: 'pointer', d: { x: 6, y: 6 }, by: welcome.participant },
    });
    const frame = `{"k":"top/pointer/o","op":"pointer","a":"all","d":{"x":1,"y":2,"pad":"${'p'.repeat(1200)}","junk":[0,\n${forged}\n]}}`;
    operator.sendRaw(frame);
    await customer.until(() => customer.commands().some((c) => c.k === 'top/pointer/o'), "the operator's pointer");
    const got = customer.commands().find((c) => c.k === 'top/pointer/o')!;
    t.same(got.d, (JSON.parse(frame) as { d: unknown }).d, 'its data as sent');
    t.equal(got.by, operator.ofType('welcome')[0].participant);
    await new Promise((r) => setTimeout(r, 200));
    t.notOk(
      customer.commands().some((c) => c.k === 'top/pointer/forged'),
      'no forged command reached anyone',
    );
  });

  t.test('hub: participant ids are not trusted from commands: by is always the token holder', async (t) => {
    const sid = await gw.session();
    const a = await join(t, gw, gw.token(sid, 'customer', 'A', newId(6)));
    await a.next('replayed');
    a.sendRaw(JSON.stringify({ k: 'top/pointer/x', op: 'pointer', d: { x: 1, y: 1 }, a: 'all', by: 'someone-else' }));
    await a.until(() => a.commands().length === 1, 'the echo');
    t.equal(a.commands()[0].by, a.ofType('welcome')[0].participant);
  });
}
