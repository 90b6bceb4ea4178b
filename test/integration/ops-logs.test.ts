import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGateway, TEST_SECRET } from '../helpers/gateway.js';
import { freePort } from '../helpers/redis.js';
import { Operators } from '../../gateway/sessions/operators.js';
import { startTinyOrigin } from './ops-origin.js';
import { connectHub } from './ops-hub.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-logs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = 'Sup3r-S3cret-Pa55';
const WRONG_PASSWORD = 'Wr0ng-Pa55word-X';
const COOKIE = 'CookieVal-12345';
const AUTH = 'AuthVal-67890';
const QUERY_TOKEN = 'QueryTok-555';
const ACCOUNT = 'AcctNo-4242';
const FORM_PASSWORD = 'FormPass-777';
const TYPED = 'TypedValue-9876';

interface Line {
  level: string;
  msg: string;
  reqId?: string;
  [k: string]: unknown;
}

function lines(output: string): Line[] {
  return output
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}

async function json(res: Response): Promise<Record<string, string>> {
  const body = (await res.json()) as Record<string, string>;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

t.test('logs: JSON lines with request ids, one per proxied request, and no secret in any of them', async (t) => {
  const operators = join(dir, 'operators.jsonl');
  await new Operators(operators).add('alice', PASSWORD);
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const gw = await spawnGateway({ TANDEM_ORIGIN: origin.url, TANDEM_OPERATORS: operators, TANDEM_LOG_LEVEL: 'debug' });
  t.teardown(() => gw.stop('SIGKILL'));
  const api = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/__tandem/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  // Operators: a failed and a good login.
  t.equal((await api('login', { name: 'alice', password: WRONG_PASSWORD })).status, 401);
  const { token: operatorToken } = await json(await api('login', { name: 'alice', password: PASSWORD }));

  // A customer's session, joined by the operator, with commands through the hub.
  const session = await json(await api('sessions', {}));
  const joined = await json(await api(`sessions/${session.id}/join`, {}, { authorization: `Bearer ${operatorToken}` }));
  const customer = await connectHub(gw.url, session.token);
  t.teardown(() => customer.close());
  const operator = await connectHub(gw.url, joined.token);
  t.teardown(() => operator.close());
  customer.send({ k: 'top', op: 'nav', a: 'all', d: { url: '/account' }, c: 'n1' });
  customer.send({ k: 'top/form/0/note', op: 'input', a: 'all', d: { value: TYPED }, c: 'i1' });
  await operator.until('the typed value to reach the operator', () => operator.messages.some((m) => JSON.stringify(m).includes(TYPED)));

  // Proxied requests carrying credentials in every place a log could pick them up.
  const proxied = [
    await fetch(`${gw.url}/account?token=${QUERY_TOKEN}&acct=${ACCOUNT}`, {
      headers: {
        'sec-fetch-dest': 'iframe',
        'x-request-id': 'ops-log-test-1',
        cookie: `bank_session=${COOKIE}`,
        authorization: `Bearer ${AUTH}`,
      },
    }),
    await fetch(`${gw.url}/login`, {
      method: 'POST',
      headers: { 'sec-fetch-dest': 'iframe', 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'ops-log-test-2' },
      body: `user=bob&password=${FORM_PASSWORD}`,
    }),
    await fetch(`${gw.url}/plain`, { headers: { 'sec-fetch-dest': 'iframe', 'x-request-id': 'not a sane id "quoted"' } }),
  ];
  for (const r of proxied) {
    t.equal(r.status, 200);
    await r.text();
  }
  t.equal(proxied[0].headers.get('x-request-id'), 'ops-log-test-1', 'a sane x-request-id is echoed');
  const generated = proxied[2].headers.get('x-request-id') ?? '';
  t.match(generated, /^[0-9a-f-]{36}$/, 'an insane one is replaced by a generated id');
  t.equal(origin.seen.find((r) => r.url.startsWith('/account'))?.headers['x-request-id'], 'ops-log-test-1', 'the origin sees the same id');

  customer.close();
  operator.close();
  t.equal(await gw.stop('SIGTERM'), 0);

  const out = gw.output();
  const parsed = lines(out);
  t.ok(parsed.length > 5, 'every line is a JSON object');
  for (const l of parsed) t.match(l, { level: String, time: String, msg: String, service: 'tandem' });

  for (const id of ['ops-log-test-1', 'ops-log-test-2', generated]) {
    const mine = parsed.filter((l) => l.reqId === id && l.level === 'info' && l.msg === 'proxied');
    t.equal(mine.length, 1, `one info line for the proxied request ${id}`);
  }
  const account = parsed.find((l) => l.reqId === 'ops-log-test-1')!;
  t.match(account, { method: 'GET', status: 200 });
  t.match(String(account.url), /^\/account\?token=\[redacted\]&acct=\[redacted\]$/, 'query values are not logged, their names are');

  const lifecycle = parsed
    .filter((l) => l.session === session.id && l.level === 'info')
    .map((l) => `${String(l.event)}:${String(l.role ?? '')}`);
  t.same(
    lifecycle.slice(0, 4),
    ['call.requested:', 'participant.joined:customer', 'session.started:', 'participant.joined:operator'],
    'the session lifecycle is logged',
  );

  const secrets = {
    PASSWORD,
    WRONG_PASSWORD,
    COOKIE,
    AUTH,
    QUERY_TOKEN,
    ACCOUNT,
    FORM_PASSWORD,
    TYPED,
    TEST_SECRET,
    operatorToken,
    customerToken: session.token,
    joinToken: joined.token,
  };
  for (const [name, value] of Object.entries(secrets)) t.notOk(out.includes(value), `${name} never appears in the log`);
});

t.test('logs: TANDEM_LOG_LEVEL sets the level', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const deadPort = await freePort();
  const dead = `http://127.0.0.1:${deadPort}`;
  const gw = await spawnGateway({ TANDEM_ORIGIN: origin.url, TANDEM_ALLOW: dead, TANDEM_LOG_LEVEL: 'warn' });
  t.teardown(() => gw.stop('SIGKILL'));
  t.equal((await fetch(`${gw.url}/page`, { headers: { 'sec-fetch-dest': 'iframe' } })).status, 200);
  const failed = await fetch(`${gw.url}/__tandem/o/http/127.0.0.1:${deadPort}/x`, { headers: { 'sec-fetch-dest': 'iframe' } });
  t.equal(failed.status, 502);
  await failed.text();
  t.equal(await gw.stop('SIGTERM'), 0);
  const parsed = lines(gw.output());
  t.ok(
    parsed.some((l) => l.level === 'warn' && JSON.stringify(l).includes(String(deadPort))),
    'the unreachable origin is logged at warn',
  );
  t.notOk(
    parsed.some((l) => l.level === 'info' || l.level === 'debug'),
    'no info or debug lines at warn, not even for the proxied page',
  );
});
