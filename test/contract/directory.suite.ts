/**
 * The directory's conformance suite: every Directory implementation runs exactly these tests
 * (memory, single Redis, Redis Cluster).
 */

import type { Test } from 'tap';
import type { ParticipantInfo } from '../../protocol/messages.js';
import type { CallRecord, Directory } from '../../store/directory.js';
import { uniqueId, until } from './poll.js';

export interface DirectoryHarness {
  dir: Directory;
  /** Another replica on the same backend (the same instance where there is only one process). */
  peer: Directory;
  close(): Promise<void>;
}

export interface DirectorySuiteOptions {
  name: string;
  create(): Promise<DirectoryHarness>;
}

const person = (id: string, role: 'customer' | 'operator' = 'operator'): ParticipantInfo => ({
  id,
  name: `Name ${id}`,
  role,
  color: '#123456',
});

export function runDirectorySuite(tap: Test, options: DirectorySuiteOptions): void {
  const { name } = options;

  async function open(t: Test) {
    const h = await options.create();
    t.teardown(() => h.close());
    return h;
  }

  const newSession = (dir: Directory, createdAt = Date.now()) =>
    dir.createSession(uniqueId('sess'), { status: 'waiting', createdAt, people: ['Customer'], url: 'https://bank.example/' });

  tap.test(`directory (${name}): a session gets a 6-digit code that finds it from any replica`, async (t) => {
    const h = await open(t);
    const s = await newSession(h.dir);
    t.match(s.code, /^\d{6}$/);
    t.same(await h.peer.getSession(s.id), s);
    t.same(await h.peer.sessionByCode(s.code), s);
    t.equal(await h.peer.getSession(uniqueId('none')), null);
    t.same(
      await h.dir.createSession(s.id, { status: 'active', createdAt: 1, people: [] }),
      s,
      'creating it again returns the existing record',
    );
  });

  tap.test(`directory (${name}): codes are unique among 300 live sessions`, async (t) => {
    const h = await open(t);
    const made = await Promise.all(Array.from({ length: 300 }, (_, i) => newSession(i % 2 ? h.dir : h.peer)));
    t.equal(new Set(made.map((s) => s.code)).size, 300);
    for (const s of made.slice(0, 20)) t.equal((await h.dir.sessionByCode(s.code))?.id, s.id);
  });

  tap.test(`directory (${name}): an update merges into the record`, async (t) => {
    const h = await open(t);
    const s = await newSession(h.dir);
    const updated = await h.peer.updateSession(s.id, { status: 'active', startedAt: 1234, people: ['Customer', 'Op'] });
    t.same(updated, { ...s, status: 'active', startedAt: 1234, people: ['Customer', 'Op'] });
    t.same(await h.dir.getSession(s.id), updated);
    t.equal(await h.dir.updateSession(uniqueId('none'), { status: 'active' }), null, 'an unknown session is not created by an update');
    t.equal(await h.dir.getSession(uniqueId('none')), null);
  });

  tap.test(`directory (${name}): live and past sessions are listed newest first`, async (t) => {
    const h = await open(t);
    const base = Date.now() + 10_000_000; // newer than anything another test made
    const a = await newSession(h.dir, base + 1);
    const b = await newSession(h.dir, base + 2);
    const c = await newSession(h.peer, base + 3);
    let live = await h.peer.liveSessions();
    t.same(
      live.slice(0, 3).map((s) => s.id),
      [c.id, b.id, a.id],
    );
    await h.dir.endSession(b.id, 60_000);
    const bEnded = Date.now();
    await until('the clock moved on', () => Date.now() > bEnded);
    live = await h.dir.liveSessions();
    t.notOk(
      live.some((s) => s.id === b.id),
      'an ended session is no longer live',
    );
    t.ok(live.some((s) => s.id === a.id) && live.some((s) => s.id === c.id));
    await h.dir.endSession(a.id, 60_000);
    const past = await h.peer.pastSessions(2);
    t.same(
      past.map((s) => s.id),
      [a.id, b.id],
      'most recently ended first, at most limit',
    );
    t.equal(past[0].status, 'ended');
    t.ok(past[0].endedAt && past[0].endedAt >= past[1].endedAt!);
  });

  tap.test(`directory (${name}): ending a session frees its code, drops its calls, and forgets it after retention`, async (t) => {
    const h = await open(t);
    const s = await newSession(h.dir);
    const other = await newSession(h.dir);
    const now = Date.now();
    await h.dir.addCall({ id: uniqueId('call'), sessionId: s.id, kind: 'call', code: s.code, requestedAt: now, requestedBy: 'Customer' });
    await h.dir.addCall({
      id: uniqueId('call'),
      sessionId: other.id,
      kind: 'call',
      code: other.code,
      requestedAt: now,
      requestedBy: 'Customer',
    });
    await h.dir.setPresent(s.id, person('p1', 'customer'), true);
    await h.peer.endSession(s.id, 300);
    t.equal(await h.dir.sessionByCode(s.code), null, 'the code no longer leads anywhere');
    const calls = await h.dir.waitingCalls();
    t.notOk(
      calls.some((c) => c.sessionId === s.id),
      "the session's calls are gone",
    );
    t.ok(
      calls.some((c) => c.sessionId === other.id),
      "other sessions' calls stay",
    );
    const ended = await h.dir.getSession(s.id);
    t.equal(ended?.status, 'ended', 'the record is kept during retention');
    await until('forgotten', async () => (await h.peer.getSession(s.id)) === null);
    t.notOk(
      (await h.dir.pastSessions(1000)).some((r) => r.id === s.id),
      'no longer listed as past',
    );
    t.equal((await h.dir.sessionByCode(other.code))?.id, other.id);
  });

  tap.test(`directory (${name}): of 10 operators taking one call at once exactly one gets it`, async (t) => {
    const h = await open(t);
    const s = await newSession(h.dir);
    const call: CallRecord = {
      id: uniqueId('call'),
      sessionId: s.id,
      kind: 'call',
      code: s.code,
      requestedAt: Date.now(),
      requestedBy: 'Customer',
      url: 'https://bank.example/',
    };
    await h.dir.addCall(call);
    t.ok(
      (await h.peer.waitingCalls()).some((c) => c.id === call.id),
      'waiting on every replica',
    );
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? h.dir : h.peer).takeCall(call.id, `op${i}`)));
    const winners = results.filter((r) => r !== null);
    t.equal(winners.length, 1);
    t.match(winners[0], { ...call, takenBy: /^op\d$/ });
    t.type(winners[0]!.takenAt, 'number');
    t.notOk(
      (await h.dir.waitingCalls()).some((c) => c.id === call.id),
      'a taken call no longer waits',
    );
    t.equal(await h.dir.takeCall(call.id, 'late'), null);
    t.equal(await h.dir.takeCall(uniqueId('none'), 'op'), null, 'an unknown call cannot be taken');
  });

  tap.test(`directory (${name}): waiting calls are listed oldest first`, async (t) => {
    const h = await open(t);
    const s = await newSession(h.dir);
    const base = 1_000; // older than anything another test made
    const ids = [uniqueId('c'), uniqueId('c'), uniqueId('c')];
    await h.dir.addCall({ id: ids[1], sessionId: s.id, kind: 'invite', code: s.code, requestedAt: base + 2, requestedBy: 'Op' });
    await h.peer.addCall({ id: ids[0], sessionId: s.id, kind: 'call', code: s.code, requestedAt: base + 1, requestedBy: 'Customer' });
    await h.dir.addCall({ id: ids[2], sessionId: s.id, kind: 'call', code: s.code, requestedAt: base + 3, requestedBy: 'Customer' });
    const mine = (await h.peer.waitingCalls()).filter((c) => c.sessionId === s.id);
    t.same(
      mine.map((c) => c.id),
      ids,
    );
    t.equal(mine[1].kind, 'invite');
  });

  tap.test(`directory (${name}): presence is shared between replicas`, async (t) => {
    const h = await open(t);
    const s = await newSession(h.dir);
    const cust = person('cust', 'customer');
    const op = person('op1');
    t.same(await h.dir.setPresent(s.id, cust, true), [cust]);
    const both = await h.peer.setPresent(s.id, op, true);
    t.same(new Set(both.map((p) => p.id)), new Set(['cust', 'op1']));
    t.same(await h.peer.setPresent(s.id, cust, false), [op]);
    t.same(await h.dir.present(s.id), [op]);
    t.same(await h.dir.present(uniqueId('none')), []);
  });

  tap.test(`directory (${name}): hash fields are set, deleted with null, and expire with their ttl`, async (t) => {
    const h = await open(t);
    const key = uniqueId('jar');
    await h.dir.hashSet(key, 'sid', 'abc; Path=/', 60_000);
    await h.peer.hashSet(key, 'theme', 'dark', 60_000);
    t.same(await h.dir.hashGetAll(key), { sid: 'abc; Path=/', theme: 'dark' });
    await h.dir.hashSet(key, 'theme', null, 60_000);
    t.same(await h.peer.hashGetAll(key), { sid: 'abc; Path=/' });
    t.same(await h.peer.hashGetAll(uniqueId('none')), {});
    const short = uniqueId('jar');
    await h.dir.hashSet(short, 'a', '1', 200);
    t.same(await h.peer.hashGetAll(short), { a: '1' });
    await until('hash expired', async () => Object.keys(await h.peer.hashGetAll(short)).length === 0);
  });

  tap.test(`directory (${name}): the bus carries events to subscribers on every replica`, async (t) => {
    const h = await open(t);
    const topic = uniqueId('queue');
    const got: unknown[] = [];
    const onPeer = await h.peer.subscribe(topic, (e) => got.push(e));
    const elsewhere: unknown[] = [];
    const other = await h.peer.subscribe(uniqueId('other'), (e) => elsewhere.push(e));
    t.teardown(() => other.close());
    await h.dir.publish(topic, { type: 'calls', n: 1 });
    await h.dir.publish(topic, { type: 'calls', n: 2 });
    await until('two events', () => got.length >= 2);
    t.same(got, [
      { type: 'calls', n: 1 },
      { type: 'calls', n: 2 },
    ]);
    await onPeer.close();
    await h.dir.publish(topic, { type: 'calls', n: 3 });
    // Events reach a replica in order: once n: 4 arrives, n: 3 would have too.
    const probe: unknown[] = [];
    const again = await h.peer.subscribe(topic, (e) => probe.push(e));
    t.teardown(() => again.close());
    await h.dir.publish(topic, { type: 'calls', n: 4 });
    await until('n 4 on a new subscription', () => probe.length >= 1);
    t.same(probe, [{ type: 'calls', n: 4 }]);
    t.same(got.length, 2, 'a closed subscription hears nothing more');
    t.same(elsewhere, [], 'other topics hear nothing');
  });
}
