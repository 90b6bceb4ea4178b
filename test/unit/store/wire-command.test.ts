import t from 'tap';
import { parseWireLine, wireOf } from '../../../store/wire-command.js';

/** A publication line as the append script writes it, from what a replica serialised. */
function line(
  seq: number,
  tMs: number,
  cmd: { a?: string; k: string; op: string; d?: unknown; by: string },
  sid = 'S1',
  epoch = 'E1',
): string {
  const body = JSON.stringify({ a: cmd.a, k: cmd.k, op: cmd.op, d: cmd.d, by: cmd.by }).slice(1);
  return `{"s":${JSON.stringify(sid)},"e":"${epoch}","c":{"seq":${seq},"t":${tMs},${body}}`;
}

/** What the hub wrote before: the parsed command, stringified again. */
function reserialised(l: string): string {
  const c = (JSON.parse(l) as { c: { seq: number; k: string; op: string; d?: unknown; by: string; t: number } }).c;
  return JSON.stringify({ seq: c.seq, k: c.k, op: c.op, d: c.d, by: c.by, t: c.t });
}

t.test('wire-command: the client form is cut from the line, byte for byte what parse and stringify wrote', async (t) => {
  const cases = [
    { a: 'others', k: 'top/scroll', op: 'scroll', d: { x: 1, y: 2.5 }, by: 'p1' },
    { a: 'all', k: 'top/nav', op: 'nav', d: { url: '/a?b="c"&d=\u00e9\u2028' }, by: 'p"2\\' },
    { a: 'others', k: 'top/form/0/e\u00e9', op: 'input', d: { value: ',"by":"evil"}}' }, by: 'p3' },
    { a: 'all', k: 'top/ink', op: 'ink-clear', by: 'p4' },
    {
      a: 'others',
      k: 'top/mirror',
      op: 'changes',
      d: { html: '<p class="x">' + 'y'.repeat(20_000) + '</p>', list: [1, null, true, { z: [] }] },
      by: 'p5',
    },
  ];
  for (const c of cases) {
    const l = line(42, 1767225600123, c);
    const r = parseWireLine(l);
    t.ok(r, `${c.op}: read`);
    t.equal(r!.epoch, 'E1');
    t.equal(r!.cmd.wire.toString(), reserialised(l), `${c.op}: same bytes as before`);
    t.equal(wireOf(r!.cmd), r!.cmd.wire);
    t.match(r!.cmd, { seq: 42, t: 1767225600123, a: c.a, k: c.k, op: c.op, by: c.by });
    t.same(r!.cmd.d, c.d, `${c.op}: d parsed on demand`);
    t.ok(Object.isFrozen(r!.cmd), 'frozen');
  }
});

t.test('wire-command: a line is read in place, between its neighbours in one publication', async (t) => {
  const first = line(7, 1, { a: 'others', k: 'top/scroll', op: 'scroll', d: { x: 1, y: 2 }, by: 'p1' });
  const second = line(8, 2, { a: 'all', k: 'top/dom', op: 'dom', d: { part: '\u00e9"x"\n' }, by: 'p2' }, 'S2', 'E2');
  const message = Buffer.from(`${first}\n${second}\n{"s":"S3","e":"E3","ended":true}`);
  const start = Buffer.byteLength(first) + 1;
  const r = parseWireLine(message, start, start + Buffer.byteLength(second));
  t.ok(r);
  t.equal(r!.epoch, 'E2');
  t.equal(r!.cmd.wire.toString(), reserialised(second));
  t.same(r!.cmd.d, { part: '\u00e9"x"\n' });
  t.equal(parseWireLine(message, 0, Buffer.byteLength(first) - 1), null, 'a line cut short');
});

t.test('wire-command: lines of another shape are left to the full parse', async (t) => {
  t.equal(parseWireLine('{"s":"S1","e":"E1","ended":true}'), null, 'ended');
  t.equal(parseWireLine(line(1, 2, { k: 'top/x', op: 'scroll', d: {}, by: 'p' })), null, 'no audience');
  const old = `{"s":"S1","e":"E1","c":{"seq":1,"t":2,"k":"top/x","op":"scroll","a":"others","d":{},"by":"p"}}`;
  t.equal(parseWireLine(old), null, 'fields in the older order');
  t.equal(parseWireLine('not json'), null);
  t.equal(wireOf({ seq: 1, t: 2, a: 'all', k: 'k', op: 'scroll', d: {}, by: 'p' } as never), null, 'a plain command has no wire form');
});
