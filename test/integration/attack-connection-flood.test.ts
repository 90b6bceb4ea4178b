/**
 * Attack: open hub connections until the gateway runs out of sockets or memory, with one stolen
 * token, or with many tokens from one address. Past the cap per participant and per address the
 * upgrade is refused (429) before any socket is made, while honest participants still connect.
 */

import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { HubClient, hubUrl } from '../helpers/hub-client.js';
import { startHubFixture, type HubFixture } from './hub-fixture.js';
import { MAX_CONNECTIONS_PER_ADDRESS, MAX_CONNECTIONS_PER_PARTICIPANT } from '../../gateway/hub/caps.js';

interface Attempt {
  ws: WebSocket | null;
  status: number;
}

/** Opens one hub connection; resolves with the socket (status 101) or the refusal's status. */
function attempt(base: string, token: string, headers: Record<string, string> = {}): Promise<Attempt> {
  return new Promise((resolve) => {
    const ws = new WebSocket(hubUrl(base, token), { perMessageDeflate: false, headers });
    ws.once('open', () => resolve({ ws, status: 101 }));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      resolve({ ws: null, status: res.statusCode ?? 0 });
    });
    ws.once('error', () => resolve({ ws: null, status: 0 }));
  });
}

function closeAll(attempts: Attempt[]): void {
  for (const a of attempts) a.ws?.terminate();
}

async function fixture(t: Test, env: Record<string, string> = {}): Promise<HubFixture> {
  const gw = await startHubFixture({ env });
  t.teardown(() => gw.close());
  return gw;
}

t.test('attack-connection-flood: a flood of connections with one token is refused past the cap; others still connect', async (t) => {
  const gw = await fixture(t);
  const sid = await gw.session();
  const stolen = gw.token(sid, 'customer', 'C', 'victim');
  const flood = await Promise.all(Array.from({ length: 40 }, () => attempt(gw.url, stolen)));
  t.teardown(() => closeAll(flood));
  const opened = flood.filter((a) => a.status === 101).length;
  t.ok(opened <= MAX_CONNECTIONS_PER_PARTICIPANT, `at most ${MAX_CONNECTIONS_PER_PARTICIPANT} opened (${opened})`);
  t.ok(opened >= 1, 'the first ones opened');
  t.same(new Set(flood.filter((a) => a.status !== 101).map((a) => a.status)), new Set([429]), 'the rest were refused with 429');
  t.equal(gw.gateway.hub.connections, opened, 'the hub holds no more sockets than it accepted');

  const honest = await HubClient.connectReplayed(gw.url, gw.token(sid, 'operator', 'O'));
  t.teardown(() => honest.terminate());
  t.ok(honest.isOpen, 'an honest participant of the same session still connects');

  closeAll(flood);
  for (let waited = 0; gw.gateway.hub.connections > 1 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  const again = await attempt(gw.url, stolen);
  t.equal(again.status, 101, 'once its sockets are closed, the participant may connect again');
  again.ws?.terminate();
});

t.test('attack-connection-flood: many tokens from one address are refused past the per-address cap', async (t) => {
  // The test's connections all come from loopback: a trusted proxy (this test) names the client address.
  const gw = await fixture(t, { TANDEM_TRUSTED_PROXIES: '127.0.0.1' });
  const sid = await gw.session();
  const from = (address: string) => ({ 'x-forwarded-for': address });
  const n = MAX_CONNECTIONS_PER_ADDRESS + 20;
  const flood: Attempt[] = [];
  for (let i = 0; i < n; i += 40) {
    const batch = Array.from({ length: Math.min(40, n - i) }, (_, j) =>
      attempt(gw.url, gw.token(sid, 'customer', 'C', `p${i + j}`), from('198.51.100.7')),
    );
    flood.push(...(await Promise.all(batch)));
  }
  t.teardown(() => closeAll(flood));
  const opened = flood.filter((a) => a.status === 101).length;
  t.equal(opened, MAX_CONNECTIONS_PER_ADDRESS, `exactly the cap of ${MAX_CONNECTIONS_PER_ADDRESS} opened`);
  t.same(new Set(flood.filter((a) => a.status !== 101).map((a) => a.status)), new Set([429]), 'the rest were refused with 429');

  const honest = await attempt(gw.url, gw.token(sid, 'operator', 'O'), from('203.0.113.5'));
  t.equal(honest.status, 101, 'a participant from another address still connects');
  honest.ws?.terminate();
});
