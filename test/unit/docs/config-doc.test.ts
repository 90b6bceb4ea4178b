import t from 'tap';
import { readFileSync } from 'node:fs';
import { loadConfig, VARIABLE_NAMES } from '../../../gateway/config.js';

// dist/test/unit/docs/ → the repository root, where docs/ lives.
const doc = readFileSync(new URL('../../../../docs/config.md', import.meta.url), 'utf8');

/** Rows of the table under "## Variables": name → the default cell. */
function documented(): Map<string, string> {
  const section = /^## Variables\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1] ?? '';
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|([^|]*)\|/gm)) {
    if (rows.has(m[1])) throw new Error(`${m[1]} is documented twice`);
    rows.set(m[1], m[2].trim());
  }
  return rows;
}

/** The configuration without the random parts, to compare two loads. */
function comparable(env: Record<string, string>): Record<string, unknown> {
  const { secret: _secret, secretGenerated: _generated, ...rest } = loadConfig(env);
  return rest;
}

t.test('config doc: every variable of gateway/config.ts is documented, in table order', async (t) => {
  const rows = documented();
  for (const name of VARIABLE_NAMES) t.ok(rows.has(name), `${name} is in docs/config.md`);
  t.same([...rows.keys()], [...VARIABLE_NAMES]);
});

t.test('config doc: no documented gateway variable is missing from gateway/config.ts', async (t) => {
  for (const name of documented().keys()) t.ok(VARIABLE_NAMES.includes(name), `${name} exists`);
  const outside = /^## Outside the gateway\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1] ?? '';
  const notOurs = new Set(outside.match(/\bTANDEM_[A-Z_]+/g) ?? []);
  for (const name of new Set(doc.match(/\bTANDEM_[A-Z_]+/g) ?? [])) {
    if (notOurs.has(name) || name.startsWith('TANDEM_ERR_')) continue;
    t.ok(VARIABLE_NAMES.includes(name), `${name} mentioned in the text exists`);
  }
});

t.test('config doc: each documented literal default is what loadConfig uses when the variable is unset', async (t) => {
  const base = comparable({});
  let checked = 0;
  for (const [name, cell] of documented()) {
    // A cell that starts with a `literal` names a value; "unset", "none" and prose do not.
    const literal = /^`([^`]+)`/.exec(cell)?.[1];
    if (literal === undefined) continue;
    t.same(comparable({ [name]: literal }), base, `${name}=${literal} is the default`);
    checked++;
  }
  t.ok(checked >= 8, `${checked} defaults were checked`);
});

t.test('config doc: the flag examples are accepted by loadConfig', async (t) => {
  const c = loadConfig({}, ['--redis-url', 'redis://redis:6379', '--port=9000']);
  t.equal(c.redisUrl, 'redis://redis:6379');
  t.equal(c.port, 9000);
  t.equal(loadConfig({}, ['--redis', 'redis://r:1']).redisUrl, 'redis://r:1');
  t.equal(loadConfig({ TANDEM_PORT: '1' }, ['--port', '2']).port, 2, 'a flag wins over its variable');
  t.equal(loadConfig({ TANDEM_MASK: '' }).mask, '', 'an empty variable counts as unset');
});
