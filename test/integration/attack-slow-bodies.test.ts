/**
 * Attack: hold the gateway's connections open by sending a request body slowly, or not at all
 * (slowloris on the body). Every API call and CSP report must be answered, and its connection
 * closed, within a bound, however slowly the body trickles in.
 */

import t from 'tap';
import net from 'node:net';
import { startApiGateway } from './api-helpers.js';
import { BODY_TIMEOUT_MS } from '../../gateway/request-body.js';

interface Outcome {
  /** What the gateway sent before closing. */
  text: string;
  /** Milliseconds from the request head to the close of the connection by the gateway. */
  closedAfterMs: number;
}

/** Sends a request head announcing `length` body bytes, then one byte every `everyMs` (0: none at all). */
function trickle(port: number, path: string, length: number, everyMs: number, contentType = 'application/json'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | null = null;
    const started = Date.now();
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the gateway still held the connection after 60 s; got ${JSON.stringify(text)}`));
    }, 60_000);
    socket.on('connect', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`);
      if (everyMs > 0) timer = setInterval(() => socket.writable && socket.write('{'), everyMs);
    });
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
}

const g = await startApiGateway();
t.teardown(() => g.close());
const bound = BODY_TIMEOUT_MS + 5_000;

t.test(
  'attack-slow-bodies: an API body that trickles in, or never comes, is answered 408 and the connection closed within the bound',
  async (t) => {
    const [slowLogin, silentCall, slowJoin] = await Promise.all([
      trickle(g.gw.port, '/__tandem/api/login', 10_000, 400),
      trickle(g.gw.port, '/__tandem/api/sessions', 100, 0),
      trickle(g.gw.port, '/__tandem/api/join', 5_000, 900),
    ]);
    for (const [what, o] of [
      ['a login body sent a byte at a time', slowLogin],
      ['a call whose body never comes', silentCall],
    ] as const) {
      t.ok(o.closedAfterMs < bound, `${what}: the connection was closed after ${o.closedAfterMs} ms (bound ${bound} ms)`);
      t.match(o.text, /^HTTP\/1\.1 408 /, `${what}: answered 408`);
      t.match(o.text, /"error":"TANDEM_ERR_REQUEST_TIMEOUT"/, `${what}: with a JSON error`);
    }
    // Refused before its body matters (no login): answered at once, and the unread body does not keep the connection.
    t.ok(slowJoin.closedAfterMs < 5_000, `a refused call with a trickling body: closed after ${slowJoin.closedAfterMs} ms`);
    t.match(slowJoin.text, /^HTTP\/1\.1 401 [^]*"error":"TANDEM_ERR_UNAUTHORIZED"/, 'with its JSON error');
  },
);

t.test('attack-slow-bodies: a CSP report that trickles in is cut within the bound too', async (t) => {
  const o = await trickle(g.gw.port, '/__tandem/csp-report', 10_000, 400, 'application/csp-report');
  t.ok(o.closedAfterMs < bound, `closed after ${o.closedAfterMs} ms`);
  t.match(o.text, /^HTTP\/1\.1 408 /);
});

t.test('attack-slow-bodies: the gateway still answers honest calls meanwhile', async (t) => {
  const r = await fetch(`${g.url}/__tandem/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(r.status, 201);
});
