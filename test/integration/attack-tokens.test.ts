/**
 * Attack: an operator keeps the credentials of a session after pressing Leave, or after their
 * account is removed (`tandem operator remove`), and goes on using them: joining the hub with
 * the old hub token, and loading the customer's logged-in pages with it as `tandem_p`.
 */

import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request, FRAME_NAV } from '../fixtures/origins/http-client.js';
import { HubClient } from '../helpers/hub-client.js';
import { call } from './api-helpers.js';
import { callAndRespond, startAttackBed, type LiveSession } from './attack-helpers.js';

const CLI = fileURLToPath(new URL('../../gateway/cli.js', import.meta.url));

const bed = await startAttackBed();
t.teardown(() => bed.close());

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

/** The customer logs in at the origin inside the session, so the session's jar holds that login. */
async function customerLogsIn(s: LiveSession, user: string): Promise<void> {
  const r = await request(`${bed.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tandem_p=${s.customer}` },
    body: `user=${user}`,
  });
  if (r.status !== 303) throw new Error(`origin login: ${r.status}`);
}

/** Who the origin thinks is asking, for a request with this `tandem_p`. */
async function originSees(token: string): Promise<string> {
  const r = await request(`${bed.url}/account`, { headers: { ...FRAME_NAV, cookie: `tandem_p=${token}` } });
  return /<p id="who">([^<]*)<\/p>/.exec(r.text)?.[1] ?? `(status ${r.status})`;
}

/** What the origin sees within a few seconds (the proxy caches a participant's standing briefly). */
async function originSeesSoon(token: string, want: string): Promise<string> {
  const until = Date.now() + 6_000;
  let seen = await originSees(token);
  while (seen !== want && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await originSees(token);
  }
  return seen;
}

async function joinsHub(token: string): Promise<boolean> {
  const c = await HubClient.connectReplayed(bed.url, token);
  c.terminate();
  return true;
}

t.test("attack-tokens: after Leave, the operator's hub token is refused and its proxied pages carry no session cookie", async (t) => {
  const s = await callAndRespond(bed.url, 'alice');
  await customerLogsIn(s, 'carol');
  t.ok(await joinsHub(s.operator), 'while in the session, the token joins the hub');
  t.equal(await originSees(s.operator), 'Logged in as carol', 'and lends the session cookies');

  const left = await call(bed.url, 'POST', `/__tandem/api/sessions/${s.id}/leave`, { token: s.console });
  t.equal(left.status, 200, 'alice leaves');

  const refused = await HubClient.refused(bed.url, s.operator);
  t.equal(refused.status, 401, 'the old hub token is refused');
  t.equal(refused.body?.error, 'TANDEM_ERR_UNAUTHORIZED');
  t.equal(await originSeesSoon(s.operator, 'Please log in'), 'Please log in', 'the old tandem_p lends no session cookie');
  const echoed = await request(`${bed.url}/headers`, { headers: { cookie: `tandem_p=${s.operator}` } });
  t.notMatch(
    String((JSON.parse(echoed.text) as { headers: Record<string, string> }).headers.cookie ?? ''),
    /sid=/,
    'nothing of the jar reaches the origin',
  );
  t.ok(await joinsHub(s.customer), 'the customer is unaffected');
});

t.test("attack-tokens: after `operator remove`, the operator's tokens are refused and lend nothing", async (t) => {
  const s = await callAndRespond(bed.url, 'bob');
  await customerLogsIn(s, 'dave');
  t.ok(await joinsHub(s.operator), 'before removal the token joins the hub');
  t.equal(await originSees(s.operator), 'Logged in as dave');

  const removed = await cli(['operator', 'remove', 'bob'], { TANDEM_OPERATORS: bed.api.operatorsFile });
  t.equal(removed.code, 0, `operator remove exits 0 ${removed.stderr}`);

  const refused = await HubClient.refused(bed.url, s.operator);
  t.equal(refused.status, 401, 'the hub token of a removed account is refused');
  t.equal(await originSeesSoon(s.operator, 'Please log in'), 'Please log in', 'its tandem_p lends no session cookie');
  const me = await call(bed.url, 'GET', '/__tandem/api/me', { token: s.console });
  t.equal(me.status, 401, 'its console token is refused');
  const sessions = await call(bed.url, 'GET', '/__tandem/api/sessions', { token: s.console });
  t.equal(sessions.status, 401, 'and lists nothing');

  const again = await cli(['operator', 'remove', 'bob'], { TANDEM_OPERATORS: bed.api.operatorsFile });
  t.equal(again.code, 2, 'removing an operator who does not exist exits 2');
  t.match(again.stderr, /no operator "bob"/);
});
