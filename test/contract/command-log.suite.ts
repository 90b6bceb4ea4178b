/**
 * The command log's conformance suite: every CommandLog implementation runs exactly these
 * tests (memory, single Redis, Redis Cluster), so they behave the same to the hub.
 */

import type { Test } from 'tap';
import type { Op } from '../../protocol/commands.js';
import type { LoggedCommand } from '../../protocol/messages.js';
import { SessionEndedError, UnknownSessionError, type AppendInput, type CommandLog, type LogEvent } from '../../store/command-log.js';
import { uniqueId, until } from './poll.js';

export interface LogHarness {
  log: CommandLog;
  /** Another replica on the same backend (the same instance where there is only one process). */
  peer: CommandLog;
  /** The next append through `log` is logged but its publication is lost on the way. */
  dropNextPublish(): void;
  /** Loses a session's data as a crashed backend would (without ending it). */
  forget(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

export interface CommandLogSuiteOptions {
  name: string;
  /** `maxLen`: commands kept per session (small in the trimming test). */
  create(options?: { maxLen?: number }): Promise<LogHarness>;
}

const cmd = (k: string, op: Op, d: unknown, by = 'p1', c?: string): AppendInput => ({ k, op, a: 'others', d, by, c });
const nav = (frame: string, url: string) => cmd(frame, 'nav', { url });
const seqs = (cmds: readonly LoggedCommand[]) => cmds.map((c) => c.seq);
const keys = (cmds: readonly LoggedCommand[]) => cmds.map((c) => c.k);

/** Collects a subscription's events. */
function recorder() {
  const events: LogEvent[] = [];
  return {
    events,
    listener: (e: LogEvent) => events.push(e),
    commands: () => events.flatMap((e) => (e.type === 'command' ? [e.cmd.seq] : [])),
    types: () => events.map((e) => (e.type === 'command' ? `command ${e.cmd.seq}` : e.type)),
    /** How far the subscriber is: its last command's seq, or the head of a reset after it. */
    position: () => {
      for (let i = events.length - 1; i >= 0; i--) {
        const e = events[i];
        if (e.type === 'command') return e.cmd.seq;
        if (e.type === 'reset') return e.head;
      }
      return 0;
    },
  };
}

export function runCommandLogSuite(tap: Test, options: CommandLogSuiteOptions): void {
  const { name } = options;

  async function open(t: Test, init?: { maxLen?: number }) {
    const h = await options.create(init);
    t.teardown(() => h.close());
    const id = uniqueId('log');
    await h.log.create(id);
    return { ...h, id };
  }

  tap.test(`command log (${name}): a new session starts at head 0 with an epoch, and creating it again changes nothing`, async (t) => {
    const h = await options.create();
    t.teardown(() => h.close());
    const id = uniqueId('log');
    t.equal(await h.log.meta(id), null, 'unknown before create');
    const meta = await h.log.create(id);
    t.equal(meta.id, id);
    t.equal(meta.head, 0);
    t.equal(meta.status, 'active');
    t.type(meta.epoch, 'string');
    t.ok(meta.epoch.length >= 8, 'the epoch is a random string');
    t.ok(Math.abs(meta.createdAt - Date.now()) < 10_000);
    await h.log.append(id, nav('top', '/a'));
    const again = await h.peer.create(id);
    t.same(again, { ...meta, head: 1 }, 'create on an existing session returns its meta unchanged');
    const other = await h.log.create(uniqueId('log'));
    t.not(other.epoch, meta.epoch, 'each session has its own epoch');
  });

  tap.test(
    `command log (${name}): any text survives the log as sent: keys, client ids and data with newlines, quotes and non-ASCII`,
    async (t) => {
      const { log, peer, id } = await open(t);
      const tricky = ['top/form/0/naïve', 'line\nbreak', 'tab\tand "quotes" \\ back', '1 2 3 101 99\n', '日本語 🎉', '\u0000nul'];
      const got = recorder();
      const sub = await peer.subscribe(id, 0, got.listener);
      t.teardown(() => sub.close());
      const sent: AppendInput[] = tricky.map((text, i) =>
        cmd(`top/form/0/${text}`, 'input', { value: text.repeat(i + 1) }, `p-${text}`, `c-${text}`),
      );
      // Appended together, so a replica that batches them sends them in one call.
      const results = await Promise.all(sent.map((c) => log.append(id, c)));
      t.same(seqs(results.map((r) => r.cmd)), [1, 2, 3, 4, 5, 6], 'in order of the calls');
      const stored = await log.entries(id);
      t.same(
        stored.map((c) => [c.k, c.by, c.d]),
        sent.map((c) => [c.k, c.by, c.d]),
        'the log holds every key, sender and value as sent',
      );
      await until('the other replica to hear every command', () => got.commands().length === sent.length);
      t.same(
        got.events.flatMap((e) => (e.type === 'command' ? [e.cmd.d] : [])),
        sent.map((c) => c.d),
        'another replica hears every value as sent',
      );
      const again = await Promise.all(sent.map((c) => log.append(id, c)));
      t.ok(
        again.every((r, i) => r.duplicate && r.cmd.seq === i + 1),
        'each resend with the same (sender, client id) is recognised, whatever its characters',
      );
    },
  );

  tap.test(`command log (${name}): a session id of any text is logged and heard live by another replica`, async (t) => {
    const h = await options.create();
    t.teardown(() => h.close());
    // Quotes, backslashes and what a publication line looks like inside, braces (Redis hash
    // tags), a newline, non-ASCII; and an id that starts like another one.
    const base = uniqueId('odd');
    const ids = [`${base}"q`, `${base}\\b`, `${base}","e":"x`, `${base}{t}`, `${base}\nline`, `${base}日本`, base, `${base}x`];
    const got = new Map(ids.map((id) => [id, recorder()]));
    for (const id of ids) {
      await h.log.create(id);
      await h.peer.subscribe(id, 0, got.get(id)!.listener);
    }
    // In one turn, so a replica that batches sends them in one call and one publication.
    await Promise.all(ids.map((id, i) => h.log.append(id, cmd('top/scroll', 'scroll', { x: i, y: 0 }))));
    await until('every session to hear its command', () => ids.every((id) => got.get(id)!.commands().length >= 1));
    for (const [i, id] of ids.entries()) {
      const events = got.get(id)!.events;
      t.same(
        events.map((e) => (e.type === 'command' ? [e.cmd.seq, (e.cmd.d as { x: number }).x] : e.type)),
        [[1, i]],
        `${JSON.stringify(id)} hears its own command and nobody else's`,
      );
    }
  });

  tap.test(`command log (${name}): a resend made in the same turn as its first copy is recognised`, async (t) => {
    const h = await open(t);
    const [first, again, next] = await Promise.all([
      h.log.append(h.id, cmd('top/form/0/a', 'input', { value: 'x' }, 'p1', 'same')),
      h.log.append(h.id, cmd('top/form/0/a', 'input', { value: 'x' }, 'p1', 'same')),
      h.log.append(h.id, cmd('top/form/0/a', 'input', { value: 'y' }, 'p1', 'other')),
    ]);
    t.same([first.duplicate, again.duplicate, next.duplicate], [false, true, false]);
    t.same([first.cmd.seq, again.cmd.seq, next.cmd.seq], [1, 1, 2], 'the resend is answered with the first copy');
    t.same(seqs(await h.log.entries(h.id)), [1, 2], 'logged once');
    t.equal((await h.log.meta(h.id))?.head, 2);
  });

  tap.test(`command log (${name}): appends to many sessions at once each get their own numbering`, async (t) => {
    const h = await options.create();
    t.teardown(() => h.close());
    const ids = Array.from({ length: 40 }, () => uniqueId('many'));
    await Promise.all(ids.map((id) => h.log.create(id)));
    // Interleaved, as a replica receives them from many sockets in one turn of its loop.
    const calls = [];
    for (let round = 0; round < 5; round++)
      for (const id of ids) calls.push(h.log.append(id, cmd('top/scroll', 'scroll', { x: round, y: 0 })));
    await Promise.all(calls);
    for (const id of ids) {
      const entries = await h.peer.entries(id);
      if (
        !t.same(
          entries.map((c) => [c.seq, (c.d as { x: number }).x]),
          [
            [1, 0],
            [2, 1],
            [3, 2],
            [4, 3],
            [5, 4],
          ],
          `session ${id}`,
        )
      )
        break;
    }
  });

  tap.test(`command log (${name}): appending to an unknown session is refused`, async (t) => {
    const h = await options.create();
    t.teardown(() => h.close());
    const appended = await h.log.append(uniqueId('nope'), nav('top', '/')).catch((e: unknown) => e);
    t.ok(appended instanceof UnknownSessionError, 'append: UnknownSessionError');
    t.match(appended, { code: 'TANDEM_ERR_UNKNOWN_SESSION' });
    const subscribed = await h.log.subscribe(uniqueId('nope'), 0, () => {}).catch((e: unknown) => e);
    t.ok(subscribed instanceof UnknownSessionError, 'subscribe: UnknownSessionError');
  });

  tap.test(`command log (${name}): the first command is seq 1 and carries what was sent`, async (t) => {
    const h = await open(t);
    const before = Date.now();
    const { cmd: first, duplicate } = await h.log.append(h.id, { k: 'top', op: 'nav', a: 'all', d: { url: '/x', title: 'X' }, by: 'cust' });
    t.equal(duplicate, false);
    t.match(first, { seq: 1, k: 'top', op: 'nav', a: 'all', d: { url: '/x', title: 'X' }, by: 'cust' });
    t.ok(first.t >= before - 1000 && first.t <= Date.now() + 1000, 't is when it was logged');
    t.equal((await h.log.meta(h.id))?.head, 1);
    t.same(await h.peer.entries(h.id), [first]);
  });

  tap.test(
    `command log (${name}): 500 concurrent appends from five participants on two replicas get distinct increasing seqs`,
    async (t) => {
      const h = await open(t);
      const got = recorder();
      await h.peer.subscribe(h.id, 0, got.listener);
      const sends: Promise<{ cmd: LoggedCommand }>[] = [];
      for (let n = 0; n < 100; n++) {
        for (let p = 0; p < 5; p++) {
          const via = p % 2 === 0 ? h.log : h.peer;
          sends.push(via.append(h.id, cmd(`top/pointer/p${p}`, 'pointer', { x: n, y: p }, `p${p}`, `c${n}`)));
        }
      }
      const results = await Promise.all(sends);
      t.same(
        results.map((r) => r.cmd.seq).sort((a, b) => a - b),
        Array.from({ length: 500 }, (_, i) => i + 1),
        'every append got its own seq, none skipped',
      );
      const all = await h.log.entries(h.id);
      t.same(
        seqs(all),
        Array.from({ length: 500 }, (_, i) => i + 1),
        'the log is in seq order',
      );
      for (let p = 0; p < 5; p++) {
        const xs = all.filter((c) => c.by === `p${p}`).map((c) => (c.d as { x: number }).x);
        t.same(
          xs,
          Array.from({ length: 100 }, (_, i) => i),
          `p${p}'s commands keep the order p${p} sent them in`,
        );
      }
      await until('500 delivered', () => got.commands().length >= 500);
      t.same(got.commands(), seqs(all), 'the other replica delivered all of them in order, once');
    },
  );

  tap.test(`command log (${name}): the compacted state keeps the latest command of each key`, async (t) => {
    const h = await open(t);
    await h.log.append(h.id, nav('top', '/a'));
    await h.log.append(h.id, cmd('top/scroll', 'scroll', { x: 0, y: 10 }));
    await h.log.append(h.id, cmd('top/form/0/email', 'input', { value: 'a' }));
    await h.log.append(h.id, cmd('top/scroll', 'scroll', { x: 0, y: 99 }));
    await h.log.append(h.id, cmd('top/form/0/email', 'input', { value: 'ab' }));
    const snap = await h.peer.snapshot(h.id);
    t.equal(snap.head, 5);
    t.same(keys(snap.commands), ['top', 'top/scroll', 'top/form/0/email']);
    t.same(
      snap.commands.map((c) => c.d),
      [{ url: '/a' }, { x: 0, y: 99 }, { value: 'ab' }],
    );
  });

  tap.test(`command log (${name}): a frame's nav retires the keys below it but not its siblings`, async (t) => {
    const h = await open(t);
    await h.log.append(h.id, nav('top', '/a'));
    await h.log.append(h.id, cmd('top/scroll', 'scroll', { x: 0, y: 5 }));
    await h.log.append(h.id, nav('top/1', '/frame-1'));
    await h.log.append(h.id, cmd('top/1/form/0/x', 'input', { value: 'one' }));
    await h.log.append(h.id, cmd('top/1/2', 'nav', { url: '/nested' }));
    await h.log.append(h.id, nav('top/2', '/frame-2'));
    await h.log.append(h.id, cmd('top/2/form/0/y', 'input', { value: 'two' }));
    await h.log.append(h.id, cmd('top/10/scroll', 'scroll', { x: 1, y: 1 }));
    await h.log.append(h.id, cmd('session/control', 'control', { granted: true }, 'cust'));

    await h.log.append(h.id, nav('top/1', '/frame-1b'));
    let snap = await h.log.snapshot(h.id);
    t.same(
      keys(snap.commands).sort(),
      ['session/control', 'top', 'top/1', 'top/10/scroll', 'top/2', 'top/2/form/0/y', 'top/scroll'],
      'top/1 nav dropped top/1/form/0/x and top/1/2, kept top/2/... and top/10/...',
    );
    t.same(snap.commands.find((c) => c.k === 'top/1')?.d, { url: '/frame-1b' });

    await h.log.append(h.id, nav('top', '/b'));
    snap = await h.peer.snapshot(h.id);
    t.same(keys(snap.commands), ['top', 'session/control'], 'a top nav leaves only itself and session-wide state');
    t.equal((await h.log.entries(h.id)).length, 11, 'the log itself keeps everything');
  });

  tap.test(`command log (${name}): an ink clear retires every stroke below it`, async (t) => {
    const h = await open(t);
    const stroke = { points: [[1, 2]], color: '#f00' };
    await h.log.append(h.id, nav('top', '/a'));
    await h.log.append(h.id, cmd('top/ink/p1/1', 'ink', stroke, 'p1'));
    await h.log.append(h.id, cmd('top/ink/p2/1', 'ink', stroke, 'p2'));
    await h.log.append(h.id, cmd('top/ink/p1/2', 'ink', stroke, 'p1'));
    await h.log.append(h.id, cmd('top/inkwell', 'input', { value: 'not ink' }));
    await h.log.append(h.id, cmd('top/pointer/p1', 'pointer', { x: 3, y: 4 }));
    await h.log.append(h.id, cmd('top/ink', 'ink-clear', {}));
    const snap = await h.log.snapshot(h.id);
    t.same(
      keys(snap.commands),
      ['top', 'top/inkwell', 'top/pointer/p1', 'top/ink'],
      'strokes gone; a key merely starting with "ink" stays',
    );
    await h.log.append(h.id, cmd('top/ink/p1/3', 'ink', stroke, 'p1'));
    t.same(keys((await h.log.snapshot(h.id)).commands).slice(-1), ['top/ink/p1/3'], 'strokes after the clear are kept');
  });

  tap.test(`command log (${name}): clicks and submits are logged but never replayed from the snapshot`, async (t) => {
    const h = await open(t);
    await h.log.append(h.id, nav('top', '/a'));
    await h.log.append(h.id, cmd('top/form/0/go', 'click', { el: 'top/form/0/go' }));
    await h.log.append(h.id, cmd('top/form/0', 'submit', { el: 'top/form/0' }));
    const snap = await h.log.snapshot(h.id);
    t.same(keys(snap.commands), ['top']);
    t.equal(snap.head, 3);
    const r = await h.log.range(h.id, 1, snap.epoch);
    t.ok(r.ok);
    if (r.ok)
      t.same(
        r.commands.map((c) => c.op),
        ['click', 'submit'],
      );
    t.same(
      (await h.peer.entries(h.id)).map((c) => c.op),
      ['nav', 'click', 'submit'],
    );
  });

  tap.test(`command log (${name}): the snapshot replays each frame's latest nav first, then the rest in seq order`, async (t) => {
    const h = await open(t);
    await h.log.append(h.id, nav('top', '/a')); // 1
    await h.log.append(h.id, cmd('top/scroll', 'scroll', { x: 0, y: 1 })); // 2
    await h.log.append(h.id, nav('top/1', '/f')); // 3
    await h.log.append(h.id, cmd('top/1/form/0/x', 'input', { value: 'v' })); // 4
    await h.log.append(h.id, cmd('top/scroll', 'scroll', { x: 0, y: 2 })); // 5
    await h.log.append(h.id, nav('top/2', '/g')); // 6
    await h.log.append(h.id, cmd('session/control', 'control', { granted: false }, 'cust')); // 7
    await h.log.append(h.id, nav('top/1', '/f2')); // 8: retires 4
    const snap = await h.peer.snapshot(h.id);
    t.same(seqs(snap.commands), [1, 6, 8, 5, 7]);
    t.same(
      snap.commands.slice(0, 3).map((c) => c.op),
      ['nav', 'nav', 'nav'],
    );
  });

  tap.test(`command log (${name}): a resend with the same client id is not logged or published twice`, async (t) => {
    const h = await open(t);
    const got = recorder();
    await h.peer.subscribe(h.id, 0, got.listener);
    const first = await h.log.append(h.id, cmd('top/form/0/a', 'input', { value: 'x' }, 'p1', 'm1'));
    const again = await h.peer.append(h.id, cmd('top/form/0/a', 'input', { value: 'x' }, 'p1', 'm1'));
    t.equal(again.duplicate, true);
    t.same(again.cmd, first.cmd, 'the resend returns the command logged the first time');
    const other = await h.log.append(h.id, cmd('top/form/0/a', 'input', { value: 'y' }, 'p2', 'm1'));
    t.equal(other.duplicate, false, 'the same client id from someone else is a different command');
    t.equal(other.cmd.seq, 2);
    const plain1 = await h.log.append(h.id, cmd('top/form/0/a', 'input', { value: 'z' }, 'p1'));
    const plain2 = await h.log.append(h.id, cmd('top/form/0/a', 'input', { value: 'z' }, 'p1'));
    t.same([plain1.cmd.seq, plain2.cmd.seq], [3, 4], 'without a client id every append is logged');
    t.equal((await h.log.meta(h.id))?.head, 4);
    await until('4 delivered', () => got.commands().length >= 4);
    t.same(got.commands(), [1, 2, 3, 4], 'the duplicate was not published');
  });

  tap.test(
    `command log (${name}): a resend is recognised while its first copy is among the last maxLen commands; older client ids are forgotten`,
    async (t) => {
      const h = await open(t, { maxLen: 10 });
      const input = (i: number) => cmd('top/pointer/p1', 'pointer', { x: i, y: 0 }, 'p1', `m${i}`);
      for (let i = 1; i <= 40; i++) await h.log.append(h.id, input(i));
      const recent = await Promise.all([31, 32, 33, 34, 35, 36, 37, 38, 39, 40].map((i) => h.peer.append(h.id, input(i))));
      t.same(
        recent.map((r) => [r.duplicate, r.cmd.seq]),
        [31, 32, 33, 34, 35, 36, 37, 38, 39, 40].map((seq) => [true, seq]),
        'each of the last maxLen is answered with its first copy',
      );
      const old = await h.log.append(h.id, input(1));
      t.same([old.duplicate, old.cmd.seq], [false, 41], 'a client id from more than twice maxLen ago is no longer remembered');
      t.equal((await h.log.meta(h.id))?.head, 41);
    },
  );

  tap.test(`command log (${name}): range returns the commands after since, in order`, async (t) => {
    const h = await open(t);
    for (let i = 0; i < 8; i++) await h.log.append(h.id, cmd('top/pointer/p1', 'pointer', { x: i, y: 0 }));
    const { epoch } = (await h.log.meta(h.id))!;
    const r = await h.peer.range(h.id, 5, epoch);
    t.same(r.ok && { head: r.head, epoch: r.epoch, seqs: seqs(r.commands) }, { head: 8, epoch, seqs: [6, 7, 8] });
    const none = await h.log.range(h.id, 8, epoch);
    t.same(none.ok && none.commands, [], 'nothing after the head');
    const all = await h.log.range(h.id, 0, epoch);
    t.same(all.ok && seqs(all.commands), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  tap.test(`command log (${name}): range with another epoch says so`, async (t) => {
    const h = await open(t);
    await h.log.append(h.id, nav('top', '/'));
    const meta = (await h.log.meta(h.id))!;
    const r = await h.log.range(h.id, 0, 'some-older-epoch');
    t.same(r, { ok: false, reason: 'epoch', epoch: meta.epoch, head: 1 });
  });

  tap.test(`command log (${name}): a log trimmed past since answers trimmed, recent ranges still work`, async (t) => {
    const h = await open(t, { maxLen: 10 });
    for (let i = 0; i < 300; i++) await h.log.append(h.id, cmd('top/pointer/p1', 'pointer', { x: i, y: 0 }));
    const { epoch } = (await h.log.meta(h.id))!;
    const r = await h.log.range(h.id, 0, epoch);
    t.same(r, { ok: false, reason: 'trimmed', epoch, head: 300 });
    const recent = await h.peer.range(h.id, 295, epoch);
    t.same(recent.ok && seqs(recent.commands), [296, 297, 298, 299, 300]);
    const kept = await h.log.entries(h.id);
    t.ok(kept.length >= 10 && kept.length < 300, `kept ${kept.length}: at least maxLen, fewer than all`);
    t.same(
      seqs(kept),
      Array.from({ length: kept.length }, (_, i) => 301 - kept.length + i),
      'the newest, consecutive',
    );
    t.same(keys((await h.log.snapshot(h.id)).commands), ['top/pointer/p1'], 'trimming never touches the compacted state');
  });

  tap.test(`command log (${name}): a subscriber on another replica gets every command in order, from after`, async (t) => {
    const h = await open(t);
    for (let i = 1; i <= 5; i++) await h.log.append(h.id, cmd('top/pointer/p1', 'pointer', { x: i, y: 0 }));
    const got = recorder();
    const sub = await h.peer.subscribe(h.id, 3, got.listener);
    for (let i = 6; i <= 40; i++) await (i % 3 ? h.log : h.peer).append(h.id, cmd('top/pointer/p1', 'pointer', { x: i, y: 0 }));
    await until('40 delivered', () => got.commands().includes(40));
    t.same(
      got.commands(),
      Array.from({ length: 37 }, (_, i) => i + 4),
      'backlog 4..5 first, then live, no gap, no duplicate',
    );
    await sub.close();
    await h.log.append(h.id, cmd('top/pointer/p1', 'pointer', { x: 41, y: 0 }));
    const probe = recorder();
    await h.peer.subscribe(h.id, 40, probe.listener);
    await h.log.append(h.id, cmd('top/pointer/p1', 'pointer', { x: 42, y: 0 }));
    await until('42 delivered to a new subscriber', () => probe.commands().includes(42));
    t.notOk(got.commands().includes(41), 'a closed subscription hears nothing more');
  });

  tap.test(`command log (${name}): a lost publication is filled from the log before anything later`, async (t) => {
    const h = await open(t);
    const got = recorder();
    await h.peer.subscribe(h.id, 0, got.listener);
    await h.log.append(h.id, nav('top', '/a'));
    await until('seq 1', () => got.commands().includes(1));
    h.dropNextPublish();
    await h.log.append(h.id, cmd('top/scroll', 'scroll', { x: 0, y: 1 }));
    await h.log.append(h.id, cmd('top/scroll', 'scroll', { x: 0, y: 2 }));
    await until('seq 3', () => got.commands().includes(3));
    t.same(got.commands(), [1, 2, 3], 'seq 2 was fetched from the log and delivered before 3');
  });

  tap.test(`command log (${name}): ending delivers ended after the last command and refuses further appends`, async (t) => {
    const h = await open(t);
    const got = recorder();
    await h.peer.subscribe(h.id, 0, got.listener);
    await h.log.append(h.id, nav('top', '/a'));
    await h.log.append(h.id, cmd('top/form/0/go', 'click', { el: 'top/form/0/go' }));
    await h.log.end(h.id, 60_000);
    await until('ended', () => got.types().includes('ended'));
    t.same(got.types(), ['command 1', 'command 2', 'ended']);
    const refused = await h.peer.append(h.id, nav('top', '/b')).catch((e: unknown) => e);
    t.ok(refused instanceof SessionEndedError, 'SessionEndedError');
    await t.rejects(h.log.append(h.id, nav('top', '/b')), { code: 'TANDEM_ERR_SESSION_ENDED' });
    const meta = (await h.log.meta(h.id))!;
    t.equal(meta.status, 'ended');
    t.ok(meta.endedAt && Math.abs(meta.endedAt - Date.now()) < 10_000);
    t.equal(meta.head, 2);
    t.same(seqs(await h.peer.entries(h.id)), [1, 2], 'the ended log is kept for export');
    const late = recorder();
    await h.log.subscribe(h.id, 0, late.listener);
    await until('late ended', () => late.types().includes('ended'));
    t.same(late.types(), ['command 1', 'command 2', 'ended'], 'subscribing to an ended session replays then ends');
  });

  tap.test(`command log (${name}): an append made just before the session ends is logged before the end`, async (t) => {
    const { log, peer, id } = await open(t);
    const appended = log.append(id, cmd('top/scroll', 'scroll', { x: 1, y: 0 }));
    await log.end(id, 60_000);
    t.equal((await appended).cmd.seq, 1, 'the append made first is answered with its seq');
    t.same(seqs(await peer.entries(id)), [1], 'and is in the log');
    const late = await log.append(id, cmd('top/scroll', 'scroll', { x: 2, y: 0 })).catch((e: unknown) => e);
    t.ok(late instanceof SessionEndedError, 'an append after the end is refused');
  });

  tap.test(`command log (${name}): an ended session is forgotten after its retention, and a new one gets a new epoch`, async (t) => {
    const h = await open(t);
    await h.log.append(h.id, nav('top', '/a'));
    const old = (await h.log.meta(h.id))!;
    await h.log.end(h.id, 300);
    t.equal((await h.peer.entries(h.id)).length, 1, 'kept during retention');
    await until('forgotten', async () => (await h.peer.meta(h.id)) === null, 5000);
    t.same(await h.log.entries(h.id), []);
    const range = await h.log.range(h.id, 0, old.epoch);
    t.equal(!range.ok && range.reason, 'unknown');
    const fresh = await h.log.create(h.id);
    t.not(fresh.epoch, old.epoch, 'numbering starts over under a new epoch');
    t.equal(fresh.head, 0);
    t.equal(fresh.status, 'active');
    const { cmd: first } = await h.log.append(h.id, nav('top', '/b'));
    t.equal(first.seq, 1);
    const stale = await h.peer.range(h.id, 1, old.epoch);
    t.same(stale, { ok: false, reason: 'epoch', epoch: fresh.epoch, head: 1 });
    t.same(keys((await h.log.snapshot(h.id)).commands), ['top']);
  });

  tap.test(`command log (${name}): a subscriber whose session's data was lost and recreated gets a reset`, async (t) => {
    const h = await open(t);
    const got = recorder();
    await h.peer.subscribe(h.id, 0, got.listener);
    await h.log.append(h.id, nav('top', '/a'));
    await until('seq 1', () => got.commands().includes(1));
    await h.forget(h.id);
    const fresh = await h.log.create(h.id);
    await h.log.append(h.id, nav('top', '/b'));
    await h.log.append(h.id, nav('top', '/c'));
    await h.log.append(h.id, nav('top', '/d'));
    await until('caught up with the new epoch', () => got.events.some((e) => e.type === 'reset') && got.position() === 3);
    t.equal(got.types()[0], 'command 1', 'the old epoch was delivered first');
    const i = got.events.findIndex((e) => e.type === 'reset');
    const reset = got.events[i] as { type: 'reset'; epoch: string; head: number };
    t.equal(reset.epoch, fresh.epoch, 'reset names the new epoch');
    const after = got.events.slice(i + 1).map((e) => (e.type === 'command' ? e.cmd.seq : e.type));
    t.same(
      after,
      Array.from({ length: 3 - reset.head }, (_, n) => reset.head + 1 + n),
      'then the new epoch continues from the reset head',
    );
  });

  tap.test(`command log (${name}): subscribing with a stale epoch or after a trimmed seq starts with a reset`, async (t) => {
    const h = await open(t, { maxLen: 10 });
    for (let i = 1; i <= 250; i++) await h.log.append(h.id, cmd('top/pointer/p1', 'pointer', { x: i, y: 0 }));
    const { epoch } = (await h.log.meta(h.id))!;
    const stale = recorder();
    await h.peer.subscribe(h.id, 250, stale.listener, 'an-epoch-from-before');
    const trimmed = recorder();
    await h.peer.subscribe(h.id, 3, trimmed.listener, epoch);
    await h.log.append(h.id, cmd('top/pointer/p1', 'pointer', { x: 251, y: 0 }));
    for (const got of [stale, trimmed]) {
      await until('caught up with 251', () => got.position() === 251);
      t.same(got.events[0], { type: 'reset', epoch, head: got.events[0].type === 'reset' ? got.events[0].head : -1 });
      const head = (got.events[0] as { head: number }).head;
      t.ok(head >= 250 && head <= 251, 'the reset is at the head');
      t.same(got.commands(), head === 250 ? [251] : [], 'then live commands after it');
    }
  });

  tap.test(`command log (${name}): nobody can change a logged command by mutating an object`, async (t) => {
    const h = await open(t);
    const d = { value: 'secret-free', list: ['a'] };
    const { cmd: logged } = await h.log.append(h.id, cmd('top/form/0/a', 'input', d));
    d.value = 'changed';
    d.list.push('b');
    const seen: LoggedCommand[] = [];
    await h.log.subscribe(h.id, 0, (e) => {
      if (e.type === 'command') {
        seen.push(e.cmd);
        try {
          (e.cmd.d as { value: string }).value = 'listener was here';
        } catch {
          // frozen: fine
        }
      }
    });
    await until('delivered', () => seen.length > 0);
    try {
      (logged.d as { list: string[] }).list.push('c');
    } catch {
      // frozen: fine
    }
    const [kept] = await h.log.entries(h.id);
    t.same(kept.d, { value: 'secret-free', list: ['a'] });
    t.same((await h.log.snapshot(h.id)).commands[0].d, { value: 'secret-free', list: ['a'] });
  });
}
