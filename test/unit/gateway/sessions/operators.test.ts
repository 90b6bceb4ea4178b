import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Operators, hashPassword, verifyPassword, parseOperators, checkName } from '../../../../gateway/sessions/operators.js';

function tempFile(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ops-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'operators.jsonl');
}

t.test('operators: the file holds one JSON line per account with a per-user salt and an scrypt hash of N >= 2^14', async (t) => {
  const file = tempFile(t);
  const ops = new Operators(file);
  await ops.add('alice', 'correct horse');
  await ops.add('bob', 'correct horse');
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, string>);
  t.equal(lines.length, 2);
  for (const l of lines) {
    t.same(Object.keys(l).sort(), ['created', 'hash', 'name', 'salt']);
    const [kind, n] = l.hash.split('$');
    t.equal(kind, 'scrypt');
    t.ok(Number(n) >= 1 << 14, 'N is at least 2^14');
    t.ok(!Number.isNaN(Date.parse(l.created)), 'created is a date');
    t.notMatch(JSON.stringify(l), /correct horse/, 'the password is nowhere in the file');
  }
  t.not(lines[0].salt, lines[1].salt, 'salts differ between users');
  t.not(lines[0].hash, lines[1].hash, 'so do hashes of the same password');
});

t.test('operators: verify accepts the password and refuses anything else', async (t) => {
  const ops = new Operators(tempFile(t));
  await ops.add('alice', 'secret-1');
  t.equal(await ops.verify('alice', 'secret-1'), true);
  t.equal(await ops.verify('alice', 'secret-2'), false);
  t.equal(await ops.verify('alice', 'secret-1 '), false);
  t.equal(await ops.verify('nobody', 'secret-1'), false);
});

t.test('operators: adding an existing name replaces its password', async (t) => {
  const file = tempFile(t);
  const ops = new Operators(file);
  await ops.add('alice', 'first-pw');
  await ops.add('alice', 'second-pw');
  t.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1);
  t.equal(await ops.verify('alice', 'first-pw'), false);
  t.equal(await ops.verify('alice', 'second-pw'), true);
});

t.test('operators: a change to the file by another process is picked up without a restart', async (t) => {
  const file = tempFile(t);
  const reader = new Operators(file);
  t.equal(await reader.verify('carol', 'carol-pw'), false);
  await new Operators(file).add('carol', 'carol-pw');
  t.equal(await reader.verify('carol', 'carol-pw'), true);
});

t.test('operators: damaged lines and damaged hashes cost only themselves', async (t) => {
  const good = await hashPassword('alice', 'pw-alice');
  const weak = { ...(await hashPassword('bob', 'pw-bob')) };
  weak.hash = weak.hash.replace(/^scrypt\$\d+/, 'scrypt$1024');
  const file = tempFile(t);
  writeFileSync(
    file,
    ['{not json', JSON.stringify(good), JSON.stringify({ name: '../evil', salt: 'x', hash: 'y' }), JSON.stringify(weak)].join('\n'),
  );
  t.same([...parseOperators(readFileSync(file, 'utf8')).keys()], ['alice', 'bob']);
  const ops = new Operators(file);
  t.equal(await ops.verify('alice', 'pw-alice'), true);
  t.equal(await verifyPassword(weak, 'pw-bob'), false, 'a hash below the cost floor is never accepted');
});

t.test('operators: names are short and printable', async (t) => {
  t.equal(checkName('alice.smith@bank'), null);
  t.type(checkName(''), 'string');
  t.type(checkName('a b'), 'string');
  t.type(checkName('<script>'), 'string');
  t.type(checkName('x'.repeat(65)), 'string');
  await t.rejects(new Operators(tempFile(t)).add('bad name', 'password'));
  await t.rejects(new Operators(tempFile(t)).add('alice', 'abc'), 'a too-short password is refused');
});

t.test('operators: demo mode has demo/demo without writing the file', async (t) => {
  const file = tempFile(t);
  const ops = new Operators(file);
  await ops.ensureDemo();
  t.equal(await ops.verify('demo', 'demo'), true);
  t.throws(() => readFileSync(file), 'nothing was written');
});
