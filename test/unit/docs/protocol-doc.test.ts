import t from 'tap';
import { readFileSync } from 'node:fs';
import { OPS, type Op } from '../../../protocol/commands.js';
import * as limits from '../../../protocol/limits.js';

// dist/test/unit/docs/ → the repository root, where docs/ lives.
const doc = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/protocol.md has no section "${title}"`);
  const next = doc.indexOf('\n## ', start + 4);
  return doc.slice(start, next < 0 ? undefined : next);
}

/** The ops table: op → its cells (data, compact, who, rate). */
function opRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of section('Ops').split('\n')) {
    const m = /^\|\s*`([a-z-]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m)
      rows.set(
        m[1],
        m[2].split('|').map((c) => c.trim()),
      );
  }
  return rows;
}

t.test('protocol doc: the ops table lists exactly the ops of protocol/commands.ts', async (t) => {
  t.same([...opRows().keys()].sort(), Object.keys(OPS).sort());
});

t.test('protocol doc: each op is documented with its compaction, sender and rate', async (t) => {
  for (const [op, [, compact, who, rate]] of opRows()) {
    const spec = OPS[op as Op];
    if (!spec) continue;
    t.equal(compact.startsWith('yes'), spec.compact, `${op}: compact`);
    t.equal(compact.includes('retires below'), spec.retiresBelow, `${op}: retires below`);
    t.equal(who === 'the customer only', spec.customerOnly, `${op}: customer only`);
    t.equal(who.includes('only with control'), spec.needsControl, `${op}: needs control`);
    if (spec.rateHz === 0) t.equal(rate, 'as it happens', `${op}: never coalesced`);
    else t.match(rate, new RegExp(`^≤ ${spec.rateHz}/s`), `${op}: at most ${spec.rateHz}/s`);
  }
});

t.test('protocol doc: every close code of protocol/limits.ts is explained', async (t) => {
  const table = section('Limits and close codes');
  const codes = Object.entries(limits).filter(([name]) => name.startsWith('CLOSE_'));
  t.ok(codes.length >= 5);
  for (const [name, code] of codes) t.match(table, new RegExp(`^\\|\\s*${code}\\s*\\|`, 'm'), `${name} (${code})`);
});

t.test('protocol doc: the documented limits are the ones in protocol/limits.ts', async (t) => {
  const table = section('Limits and close codes');
  t.match(table, `${limits.MAX_FRAME_BYTES / 1024} KiB`);
  t.match(table, `${limits.FLOOD_RATE_PER_SEC} a second, bursts of ${limits.FLOOD_BURST}`);
  t.match(table, `after ${limits.FLOOD_DROPS_BEFORE_CLOSE} drops in a row`);
  t.match(table, `${limits.BACKPRESSURE_LIMIT_BYTES / 1024 / 1024} MiB`);
  t.match(doc, `at most ${limits.MAX_KEY_LENGTH} characters`);
  t.match(doc, limits.LOG_MAX_LEN.toLocaleString('en'));
});
