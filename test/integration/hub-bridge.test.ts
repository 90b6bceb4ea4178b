/**
 * The front door's hop to the hub: over a Unix socket in the temporary directory, removed when
 * the gateway stops, and over loopback TCP where no socket can be made there. Either way a
 * client that joins through the gateway's one port sends and receives commands.
 */

import t, { type Test } from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { join } from 'node:path';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway.js';
import { startTinyOrigin } from './ops-origin.js';
import { connectHub } from './ops-hub.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-bridge-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const origin = await startTinyOrigin();
t.teardown(() => origin.close());

/** A gateway process whose temporary directory (where the hub's socket goes) is `temp`. */
async function gatewayWithTemp(t: Test, temp: string): Promise<GatewayProcess> {
  const gw = await spawnGateway({ TANDEM_ORIGIN: origin.url, TMPDIR: temp });
  t.teardown(() => gw.stop('SIGKILL'));
  return gw;
}

/** A new session's customer token. */
async function customerToken(t: Test, url: string): Promise<string> {
  const created = await fetch(`${url}/__tandem/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.equal(created.status, 201, 'a session is created');
  return ((await created.json()) as { token: string }).token;
}

/** Joins through the front door with a new session's customer token and round-trips one command. */
async function roundTrip(t: Test, url: string): Promise<void> {
  const hub = await connectHub(url, await customerToken(t, url));
  t.teardown(() => hub.close());
  await hub.until('the welcome', () => hub.messages.some((m) => m.type === 'welcome'));
  hub.send({ k: 'top/form/0/name', op: 'input', a: 'all', d: { value: 'Ada' } });
  await hub.until('the command back with its seq', () => hub.messages.some((m) => m.seq === 1));
  const cmd = hub.messages.find((m) => m.seq === 1)!;
  t.match(cmd, { k: 'top/form/0/name', op: 'input', d: { value: 'Ada' } }, 'the logged command comes back through the front door');
}

/** The HTTP status a WebSocket upgrade request gets (101 when it is upgraded). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('hub bridge: the front door reaches the hub over a Unix socket, removed at shutdown', async (t) => {
  const temp = join(dir, 'tmp');
  mkdirSync(temp);
  const gw = await gatewayWithTemp(t, temp);
  const sockets = () => readdirSync(temp).filter((f) => f.startsWith(`tandem-hub-${gw.proc.pid}-`) && f.endsWith('.sock'));
  t.equal(sockets().length, 1, 'the hub listens on one Unix socket of this process');
  await roundTrip(t, gw.url);
  t.equal(await gw.stop('SIGTERM'), 0, 'the gateway stops cleanly');
  t.same(sockets(), [], 'and its socket file is gone');
});

t.test('hub bridge: joins really travel over the socket (without its file, the front door cannot reach the hub)', async (t) => {
  const temp = join(dir, 'tmp-unlinked');
  mkdirSync(temp);
  const gw = await gatewayWithTemp(t, temp);
  await roundTrip(t, gw.url);
  for (const f of readdirSync(temp)) rmSync(join(temp, f));
  const token = await customerToken(t, gw.url);
  const status = await upgradeStatus(`${gw.url}/__tandem/hub?token=${encodeURIComponent(token)}`);
  t.equal(status, 503, 'a join after the file is gone does not reach the hub: the front door answers 503');
});

t.test('hub bridge: a temporary directory too deep for a socket path falls back to loopback TCP', async (t) => {
  // Deeper than any platform's socket path limit (uWS would crash on it rather than fail).
  const deep = join(dir, 'd'.repeat(60), 'e'.repeat(60));
  mkdirSync(deep, { recursive: true });
  t.ok(Buffer.byteLength(deep) > 120, `the directory is ${Buffer.byteLength(deep)} bytes deep`);
  const gw = await gatewayWithTemp(t, deep);
  await roundTrip(t, gw.url);
  t.same(readdirSync(deep), [], 'no socket file was made there');
});

t.test('hub bridge: where no Unix socket can be made, the hop falls back to loopback TCP', async (t) => {
  const missing = join(dir, 'no-such-dir');
  t.notOk(existsSync(missing), 'the temporary directory does not exist');
  const gw = await gatewayWithTemp(t, missing);
  await roundTrip(t, gw.url);
});
