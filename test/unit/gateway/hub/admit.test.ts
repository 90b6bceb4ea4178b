import t from 'tap';
import { Admission, type AdmissionDeps } from '../../../../gateway/hub/admit.js';
import { ConnectionCaps } from '../../../../gateway/hub/caps.js';
import type { HubClaims } from '../../../../gateway/identity/tokens.js';
import type { LogMeta } from '../../../../store/command-log.js';

const claims = (p = 'op-1', role: HubClaims['r'] = 'operator'): HubClaims => ({
  kind: 'hub',
  s: 'S1',
  p,
  r: role,
  n: 'Ann',
  e: Date.now() + 60_000,
});

const meta = (over: Partial<LogMeta> = {}): LogMeta => ({ id: 'S1', epoch: 'E1', head: 7, status: 'active', createdAt: 1, ...over });

/** An admission over tokens 'good' (valid), 'old' (expired) and anything else (forged). */
function admission(over: Partial<AdmissionDeps> = {}) {
  const failures: unknown[] = [];
  const a = new Admission({
    verify: (token) =>
      token === 'good'
        ? { ok: true, claims: claims() }
        : { ok: false, reason: token === 'old' ? 'expired' : token ? 'forged' : 'malformed' },
    meta: async () => meta(),
    standing: async () => null,
    caps: new ConnectionCaps(2, 3),
    storeFailed: (err) => failures.push(err),
    ...over,
  });
  return { a, failures };
}

t.test('admit: a valid token is admitted; a missing, forged or expired one is refused with 401', async (t) => {
  const { a } = admission();
  t.same(a.checkToken('good'), { claims: claims() });
  t.match(a.checkToken(''), { refusal: { status: 401, code: 'TANDEM_ERR_UNAUTHORIZED', message: 'a hub token is required' } });
  t.match(a.checkToken('forged'), { refusal: { status: 401, message: 'the hub token is forged' } });
  t.match(a.checkToken('old'), { refusal: { status: 401, message: 'the hub token is expired' } });
});

t.test('admit: the session read gives the welcome its epoch and head', async (t) => {
  const { a } = admission();
  t.same(await a.readSession(claims()), { state: { epoch: 'E1', head: 7 } });
});

t.test('admit: an unknown or ended session, or an operator who left, is refused with 401', async (t) => {
  t.match(await admission({ meta: async () => null }).a.readSession(claims()), {
    refusal: { status: 401, message: 'the token names a session that is unknown or has ended' },
  });
  t.match(await admission({ meta: async () => meta({ status: 'ended', endedAt: 2 }) }).a.readSession(claims()), {
    refusal: { status: 401, code: 'TANDEM_ERR_UNAUTHORIZED' },
  });
  const left = admission({ standing: async (c) => (c.r === 'operator' ? 'the operator left the session' : null) });
  t.match(await left.a.readSession(claims()), { refusal: { status: 401, message: 'the operator left the session' } });
  t.same(await left.a.readSession(claims('cust', 'customer')), { state: { epoch: 'E1', head: 7 } }, 'the customer still stands');
});

t.test('admit: a store that cannot answer refuses with 503 and is reported', async (t) => {
  const down = new Error('connection refused');
  const { a, failures } = admission({ meta: () => Promise.reject(down) });
  t.match(await a.readSession(claims()), { refusal: { status: 503, code: 'TANDEM_ERR_STORE_UNAVAILABLE' } });
  t.same(failures, [down]);
});

t.test('admit: past the connection caps, per participant and per address, a join is refused with 429', async (t) => {
  const caps = new ConnectionCaps(2, 3);
  const { a } = admission({ caps });
  const key = (p: string, address: string) => ({ session: 'S1', participant: p, address });
  t.equal(a.capRefusal(claims('p1'), '203.0.113.5'), null);
  caps.opened(key('p1', '203.0.113.5'));
  caps.opened(key('p1', '203.0.113.5'));
  t.match(a.capRefusal(claims('p1'), '203.0.113.6'), {
    status: 429,
    code: 'TANDEM_ERR_RATE_LIMITED',
    message: /participant already holds 2/,
  });
  t.equal(a.capRefusal(claims('p2'), '203.0.113.5'), null, 'another participant at that address');
  caps.opened(key('p2', '203.0.113.5'));
  t.match(a.capRefusal(claims('p3'), '203.0.113.5'), { status: 429, message: /address already holds 3/ });
  t.equal(a.capRefusal(claims('p3'), '127.0.0.1'), null, 'loopback has no per-address cap');
  caps.closed(key('p1', '203.0.113.5'));
  t.equal(a.capRefusal(claims('p1'), '203.0.113.7'), null, 'a closed connection frees its place');
});

t.test('admit: while the hub drains, every join is refused with 503, even one whose session read was under way', async (t) => {
  let release!: () => void;
  const { a } = admission({ meta: () => new Promise((r) => (release = () => r(meta()))) });
  const reading = a.readSession(claims());
  a.accepting = false;
  release();
  t.match(await reading, { refusal: { status: 503, code: 'TANDEM_ERR_DRAINING' } });
  t.match(a.checkToken('good'), { refusal: { status: 503, code: 'TANDEM_ERR_DRAINING' } });
});
