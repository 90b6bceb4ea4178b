import t from 'tap';
import { readFileSync } from 'node:fs';
import { ERRORS, type ErrorCode } from '../../../gateway/errors.js';

// dist/test/unit/docs/ → the repository root, where docs/ lives.
const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

/** `| \`CODE\` | status | …` rows of the HTTP table: code → status. */
function documented(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const m of doc.matchAll(/^\|\s*`(TANDEM_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    if (rows.has(m[1])) throw new Error(`${m[1]} is documented twice`);
    rows.set(m[1], Number(m[2]));
  }
  return rows;
}

t.test('errors doc: every code in gateway/errors.ts is documented with its status', async (t) => {
  const rows = documented();
  for (const [code, { status }] of Object.entries(ERRORS)) {
    t.ok(rows.has(code), `${code} is in docs/errors.md`);
    if (rows.has(code)) t.equal(rows.get(code), status, `${code} is documented as ${status}`);
  }
});

t.test('errors doc: no documented code is missing from gateway/errors.ts', async (t) => {
  for (const code of documented().keys()) t.ok(code in ERRORS, `${code} exists in ERRORS`);
  const mentioned = new Set(doc.match(/TANDEM_ERR_[A-Z_]+/g) ?? []);
  for (const code of mentioned) t.ok(code in ERRORS, `${code} mentioned in the text exists`);
});

t.test('errors doc: the table lists the codes in the order of gateway/errors.ts', async (t) => {
  t.same([...documented().keys()], Object.keys(ERRORS) as ErrorCode[]);
});
