/**
 * Bodies the gateway passes through untouched, when one side stops halfway: an origin that dies
 * mid-body must not look like a complete download to the client, and a client that goes away
 * must not leave the gateway holding the origin's response.
 */

import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestGateway } from '../helpers/gateway.js';

const TOTAL = 200_000;
const FIRST = 20_000;

/** An origin whose /cut dies after FIRST bytes, and whose /hold never finishes (until closed). */
async function startOrigin() {
  const held = { closed: false, started: false };
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
    res.write(Buffer.alloc(FIRST, 0x61));
    if (req.url === '/cut') setTimeout(() => res.socket?.destroy(), 50);
    else {
      held.started = true;
      res.on('close', () => (held.closed = true));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads a download through the gateway: the bytes that came, whether it ended cleanly, and
 * whether it was still open after 10 s (a client left waiting for bytes that will never come).
 */
function download(url: string): Promise<{ status: number; bytes: number; complete: boolean; hung: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let bytes = 0;
      const done = (complete: boolean, hung = false) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, bytes, complete, hung });
      };
      const timer = setTimeout(() => {
        done(false, true);
        req.destroy();
      }, 10_000);
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', reject);
  });
}

t.test('passthrough: an origin body cut halfway is cut for the client too, never passed off as complete', async (t) => {
  const origin = await startOrigin();
  t.teardown(() => origin.close());
  const gw = await startTestGateway({ TANDEM_ORIGIN: origin.url, TANDEM_LOG_LEVEL: 'silent' });
  t.teardown(() => gw.close());
  const got = await download(`${gw.url}/cut`);
  t.equal(got.status, 200, 'the download started');
  t.ok(got.bytes >= FIRST && got.bytes < TOTAL, `the client got what the origin sent (${got.bytes} of ${TOTAL} bytes)`);
  t.notOk(got.hung, 'the client is not left waiting for the rest');
  t.notOk(got.complete, 'and its response is not complete');
  const after = await fetch(`${gw.url}/__tandem/healthz`);
  t.equal(after.status, 200, 'the gateway goes on serving');
});

t.test('passthrough: a client that leaves halfway releases the origin response', async (t) => {
  const origin = await startOrigin();
  t.teardown(() => origin.close());
  const gw = await startTestGateway({ TANDEM_ORIGIN: origin.url, TANDEM_LOG_LEVEL: 'silent' });
  t.teardown(() => gw.close());
  await new Promise<void>((resolve, reject) => {
    const req = http.get(`${gw.url}/hold`, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
    setTimeout(() => reject(new Error('no bytes came through')), 5000).unref();
  });
  t.ok(origin.held.started, 'the origin was sending');
  const deadline = Date.now() + 5000;
  while (!origin.held.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.ok(origin.held.closed, "the gateway let go of the origin's response once the client left");
});
