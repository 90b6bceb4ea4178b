import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { spawnGateway } from '../helpers/gateway.js';
import { startTinyOrigin, ORIGIN_TITLE } from './ops-origin.js';

interface Answer {
  status: number;
  body: string;
  connection: string | undefined;
}

function request(agent: http.Agent, url: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: { 'sec-fetch-dest': 'iframe', ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether a fresh TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('shutdown: SIGTERM during traffic finishes every request in flight, refuses new connections, exits 0 within 10 s', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const gw = await spawnGateway({ TANDEM_ORIGIN: origin.url });
  t.teardown(() => gw.stop('SIGKILL'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  t.teardown(() => agent.destroy());

  // A keep-alive connection that is idle when the signal comes must not hold the shutdown up.
  const warm = await request(agent, `${gw.url}/warm`);
  t.equal(warm.status, 200);

  const gets = Array.from({ length: 6 }, (_, i) => request(agent, `${gw.url}/slow?ms=1500&i=${i}`));
  const posts = Array.from({ length: 2 }, (_, i) => request(agent, `${gw.url}/slow?ms=1500&post=${i}`, 'POST', `amount=${i + 1}`));
  const all = Promise.all([...gets, ...posts]);
  let settled = false;
  void all.then(
    () => (settled = true),
    () => (settled = true),
  );
  await until('every request to reach the origin', () => origin.seen.filter((r) => r.url.startsWith('/slow')).length === 8);

  const signalled = Date.now();
  const exited = new Promise<number | null>((resolve) => gw.proc.once('exit', (code) => resolve(code)));
  gw.proc.kill('SIGTERM');

  await until('the listener to close', async () => !(await accepts(gw.port)), 3_000);
  t.notOk(settled, 'new connections are refused while requests are still in flight');

  const answers = await all;
  for (const [i, a] of answers.entries()) {
    t.equal(a.status, 200, `request ${i} was answered`);
    t.match(a.body, ORIGIN_TITLE, `request ${i} got the whole page`);
    t.equal(a.connection, 'close', `request ${i} was told not to reuse its connection`);
  }
  const code = await exited;
  const took = Date.now() - signalled;
  t.equal(code, 0, `exit code 0: ${gw.output()}`);
  t.ok(took < 10_000, `exited ${took} ms after SIGTERM`);
  t.equal(origin.seen.filter((r) => r.method === 'POST').length, 2, 'each POST reached the origin exactly once');
});
