import t from 'tap';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { startFixtureOrigins, BIG_BIN, BIG_BIN_ETAG, DOT_PNG } from '../fixtures/origins/index.js';
import { request, FRAME_NAV } from '../fixtures/origins/http-client.js';
import { startTestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/redis.js';

const origins = await startFixtureOrigins();
t.teardown(() => origins.close());
const gw = await startTestGateway({ TANDEM_ORIGIN: origins.site.url, TANDEM_ALLOW: origins.second.url, TANDEM_ORIGIN_TIMEOUT: '1s' });
t.teardown(() => gw.close());

const secondPath = `/__tandem/o/http/127.0.0.1:${origins.second.port}`;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Sends bytes as written (no URL normalisation) and returns the whole answer. */
function rawRequest(text: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const s = net.connect(gw.port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.setTimeout(10_000, () => s.destroy(new Error('no answer')));
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
}

t.test('proxy: the primary origin is served at the gateway root', async (t) => {
  const r = await request(`${gw.url}/page2?from=test`, { headers: FRAME_NAV });
  t.equal(r.status, 200);
  t.match(r.headers['content-type'], /text\/html/);
  t.match(r.text, /<h1>Page two<\/h1>/);
  t.match(r.text, /<p id="from">test<\/p>/);
});

t.test('proxy: an allowed origin is served under /__tandem/o/<scheme>/<host:port>/', async (t) => {
  const r = await request(`${gw.url}${secondPath}/hello`, { headers: FRAME_NAV });
  t.equal(r.status, 200);
  t.match(r.text, /Hello from second/);
});

t.test('proxy: the origin sees its own Host, mapped Origin and Referer, and X-Forwarded-*', async (t) => {
  const r = await request(`${gw.url}/headers?x=1`, {
    headers: { origin: gw.url, referer: `${gw.url}/page2?from=x`, 'x-forwarded-for': '203.0.113.9' },
  });
  const echo = JSON.parse(r.text) as Echo;
  t.equal(echo.url, '/headers?x=1', 'path and query arrive unchanged');
  t.equal(echo.headers.host, `127.0.0.1:${origins.site.port}`);
  t.equal(echo.headers.origin, origins.site.url);
  t.equal(echo.headers.referer, `${origins.site.url}/page2?from=x`);
  t.equal(echo.headers['x-forwarded-for'], '127.0.0.1', 'a chain the client sent is not passed on: loopback is no trusted proxy here');
  t.equal(echo.headers['x-forwarded-proto'], 'http');
  t.equal(echo.headers['x-forwarded-host'], `127.0.0.1:${gw.port}`);

  const s = await request(`${gw.url}${secondPath}/headers`, { headers: { origin: gw.url, referer: `${gw.url}${secondPath}/hello` } });
  const e2 = JSON.parse(s.text) as Echo;
  t.equal(e2.headers.host, `127.0.0.1:${origins.second.port}`);
  t.equal(e2.headers.origin, origins.second.url, 'a request from a page of the second origin carries its origin');
  t.equal(e2.headers.referer, `${origins.second.url}/hello`);
});

t.test('proxy: hop-by-hop headers and Tandem cookies never reach the origin', async (t) => {
  const r = await request(`${gw.url}/headers`, {
    headers: {
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': '1',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      cookie: 'a=1; tandem_p=abc; TANDEM_console=def; b=2',
    },
  });
  const echo = JSON.parse(r.text) as Echo;
  t.equal(echo.headers.cookie, 'a=1; b=2');
  t.notOk(echo.headers['x-secret-hop'], 'a header named in Connection is hop-by-hop');
  t.notOk(echo.headers['keep-alive']);
  t.notOk(echo.headers.te);
  t.notOk(echo.headers['proxy-authorization']);

  const only = await request(`${gw.url}/headers`, { headers: { cookie: 'tandem_p=abc' } });
  t.notOk((JSON.parse(only.text) as Echo).headers.cookie, 'no Cookie header at all when only Tandem cookies were sent');
});

t.test('proxy: a host that is not configured is refused with 403, whatever the spelling', async (t) => {
  const evil = origins.evil.port;
  const second = origins.second.port;
  const tricks = [
    `/__tandem/o/http/127.0.0.1:${evil}/headers`,
    `/__tandem/o/http/127.0.0.1:${second}@127.0.0.1:${evil}/headers`,
    `/__tandem/o/http/user:pw@127.0.0.1:${evil}/headers`,
    `/__tandem/o/http/127.0.0.1%3A${evil}/headers`,
    `/__tandem/o/http%2F127.0.0.1:${evil}/headers`,
    `/__tandem/o/http/127.0.0.1:${second}%2F..%2F..%2Fhttp%2F127.0.0.1:${evil}/headers`,
    `/__tandem/o/http/127.0.0.1%2F:${evil}/headers`,
    `/__tandem/o/http/127.0.0.1:${evil}%2F/headers`,
    `/__tandem/o/https/127.0.0.1:${second}/headers`,
    `/__tandem/o/ftp/127.0.0.1:${second}/headers`,
    `/__tandem/o/http/127.0.0.1/headers`,
    `/__tandem/o/http/localhost:${evil}/headers`,
    `/__tandem/o/http/127.0.0.1:${evil}`,
    `/__tandem/o/http/`,
    `/__tandem/o/`,
    `/__tandem/o/http/[::1]:${evil}/headers`,
    `/__tandem/o/http/127.0.0.1:${evil}\\@127.0.0.1:${second}/headers`,
  ];
  for (const path of tricks) {
    const r = await request(gw.url + path);
    t.equal(r.status, 403, path);
    t.equal((JSON.parse(r.text) as { error: string }).error, 'TANDEM_ERR_HOST_NOT_ALLOWED', path);
  }
  // Dot segments after an allowed host stay on that host (sent raw: URL parsers would resolve them).
  const dots = await rawRequest(
    `GET /__tandem/o/http/127.0.0.1:${second}/../../http/127.0.0.1:${evil}/headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  );
  t.match(dots, /^HTTP\/1\.1 404 /, 'the allowed origin answered (its own 404)');
  t.equal(origins.second.counters.hits.get(`/http/127.0.0.1:${evil}/headers`), 1);
  // A protocol-relative-looking path at the root is a path of the primary origin.
  const slashes = await request(`${gw.url}//127.0.0.1:${evil}/headers`);
  t.match(slashes.text, /Not found/);
  // A spoofed Host header changes nothing about where the request goes.
  const spoof = await request(`${gw.url}/headers`, { headers: { host: `127.0.0.1:${evil}` } });
  t.equal((JSON.parse(spoof.text) as Echo).headers.host, `127.0.0.1:${origins.site.port}`);

  // An absolute-form request target (what a client sends to a forward proxy).
  const raw = await rawRequest(`GET http://127.0.0.1:${evil}/headers HTTP/1.1\r\nHost: 127.0.0.1:${evil}\r\nConnection: close\r\n\r\n`);
  t.match(raw, /^HTTP\/1\.1 403 /);
  const ws = await new Promise<number>((resolve) => {
    const c = new WebSocket(`ws://127.0.0.1:${gw.port}/__tandem/o/http/127.0.0.1:${evil}/ws`);
    c.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    c.on('open', () => resolve(101));
    c.on('error', () => resolve(-1));
  });
  t.equal(ws, 403, 'a WebSocket to an unconfigured host is refused too');

  t.equal(origins.evil.counters.hits.size, 0, 'no request ever reached the unconfigured origin');
});

t.test('proxy: an origin that does not answer in time gets 504 naming the origin, never a hang', async (t) => {
  const started = Date.now();
  const page = await request(`${gw.url}/slow`, { headers: FRAME_NAV });
  t.equal(page.status, 504);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.text, origins.site.url);
  t.ok(Date.now() - started < 5000, 'answered soon after the 1 s origin timeout');
  const api = await request(`${gw.url}/slow`, { headers: { accept: 'application/json' } });
  t.equal(api.status, 504);
  const body = JSON.parse(api.text) as { error: string; message: string };
  t.equal(body.error, 'TANDEM_ERR_UPSTREAM_TIMEOUT');
  t.match(body.message, origins.site.url);
});

t.test('proxy: an unreachable origin gets 502 naming the origin', async (t) => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const g = await startTestGateway({ TANDEM_ORIGIN: dead, TANDEM_ORIGIN_TIMEOUT: '1s' });
  t.teardown(() => g.close());
  const page = await request(`${g.url}/anything`, { headers: FRAME_NAV });
  t.equal(page.status, 502);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.text, dead);
  const api = await request(`${g.url}/api/x`, { headers: { accept: 'application/json' } });
  t.equal(api.status, 502);
  const body = JSON.parse(api.text) as { error: string; message: string };
  t.equal(body.error, 'TANDEM_ERR_UPSTREAM_UNREACHABLE');
  t.match(body.message, dead);
});

t.test('proxy: resources that need no rewriting stream through byte-identical', async (t) => {
  const big = await request(`${gw.url}/img/big.bin`, { headers: { 'accept-encoding': 'gzip, br, zstd' } });
  t.equal(big.status, 200);
  t.equal(sha(big.body), sha(BIG_BIN));
  t.equal(big.headers['content-length'], String(BIG_BIN.length));
  t.equal(big.headers.etag, BIG_BIN_ETAG);
  t.equal(big.headers['accept-ranges'], 'bytes');

  const png = await request(`${gw.url}/img/dot.png`);
  t.same(png.body, DOT_PNG);
  t.equal(png.headers['content-type'], 'image/png');

  const other = await request(`${gw.url}${secondPath}/pic.png`);
  t.same(other.body, DOT_PNG, 'from the allowed origin too');

  const json = await request(`${gw.url}/gzip/data.json`, { headers: { 'accept-encoding': 'gzip' } });
  t.equal(json.headers['content-encoding'], 'gzip', 'a compressed passthrough keeps its encoding');
  t.equal(json.headers.etag, '"json"');
  t.equal(json.headers['content-length'], String(json.body.length));
  t.equal((JSON.parse(gunzipSync(json.body).toString()) as { values: number[] }).values.length, 500);
});

t.test('proxy: Range requests get 206 with the right bytes and Content-Range', async (t) => {
  const r = await request(`${gw.url}/img/big.bin`, { headers: { range: 'bytes=1000-1999' } });
  t.equal(r.status, 206);
  t.equal(r.headers['content-range'], `bytes 1000-1999/${BIG_BIN.length}`);
  t.equal(r.body.length, 1000);
  t.equal(sha(r.body), sha(BIG_BIN.subarray(1000, 2000)));
  const tail = await request(`${gw.url}/img/big.bin`, { headers: { range: 'bytes=-100' } });
  t.equal(tail.status, 206);
  t.same(tail.body, BIG_BIN.subarray(BIG_BIN.length - 100));
  const bad = await request(`${gw.url}/img/big.bin`, { headers: { range: `bytes=${BIG_BIN.length + 5}-` } });
  t.equal(bad.status, 416);
});

t.test("proxy: the origin's WebSockets are proxied", async (t) => {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`, { origin: gw.url, headers: { cookie: 'tandem_p=x; k=v' } });
  t.teardown(() => ws.terminate());
  const messages: string[] = [];
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message')), 5000);
      ws.once('message', (d) => {
        clearTimeout(timer);
        resolve(String(d));
      });
    });
  const hello = JSON.parse(await next()) as { host: string; origin: string; cookie: string };
  t.equal(hello.host, `127.0.0.1:${origins.site.port}`);
  t.equal(hello.origin, origins.site.url, 'the Origin of the handshake is the real origin');
  t.equal(hello.cookie, 'k=v', 'Tandem cookies stay behind');
  ws.send('ping 1');
  messages.push(await next());
  ws.send(Buffer.from([1, 2, 3]));
  messages.push(await next());
  t.same(messages, ['ping 1', '\u0001\u0002\u0003']);
});

t.test('proxy: CSP reports are counted and answered 204; garbage gets 400', async (t) => {
  const metric = async (): Promise<number> => {
    const m = await request(`${gw.url}/__tandem/metrics`);
    return Number(/^tandem_csp_reports_total (\d+)/m.exec(m.text)?.[1] ?? NaN);
  };
  const before = await metric();
  const legacy = await request(`${gw.url}/__tandem/csp-report`, {
    method: 'POST',
    headers: { 'content-type': 'application/csp-report' },
    body: JSON.stringify({
      'csp-report': { 'document-uri': `${gw.url}/`, 'blocked-uri': 'https://evil.example/x.js', 'effective-directive': 'script-src-elem' },
    }),
  });
  t.equal(legacy.status, 204);
  const modern = await request(`${gw.url}/__tandem/csp-report`, {
    method: 'POST',
    headers: { 'content-type': 'application/reports+json' },
    body: JSON.stringify([
      { type: 'csp-violation', url: `${gw.url}/`, body: { blockedURL: 'https://evil.example/a.png', effectiveDirective: 'img-src' } },
      { type: 'csp-violation', url: `${gw.url}/`, body: { blockedURL: 'https://evil.example/b.png', effectiveDirective: 'img-src' } },
    ]),
  });
  t.equal(modern.status, 204);
  t.equal(await metric(), before + 3);

  for (const [type, body] of [
    ['application/csp-report', '{not json'],
    ['application/csp-report', '"a string"'],
    ['application/reports+json', '[1, 2]'],
    ['text/plain', '{}'],
  ]) {
    const r = await request(`${gw.url}/__tandem/csp-report`, { method: 'POST', headers: { 'content-type': type }, body });
    t.equal(r.status, 400, `${type} ${body}`);
  }
  const huge = await request(`${gw.url}/__tandem/csp-report`, {
    method: 'POST',
    headers: { 'content-type': 'application/csp-report' },
    body: 'x'.repeat(100_000),
  }).catch(() => ({ status: 413 }));
  t.equal(huge.status, 413);
  t.equal(await metric(), before + 3, 'nothing counted for bad reports');
});

t.test('proxy: a hostile origin never crashes the gateway', async (t) => {
  const bad = await request(`${gw.url}/hostile/invalid-utf8`, { headers: FRAME_NAV });
  t.equal(bad.status, 200);
  t.ok(bad.body.includes(Buffer.from([0xff, 0xfe, 0xc3, 0x28])), 'invalid bytes pass through as they came');

  const nested = await request(`${gw.url}/hostile/nested`, { headers: FRAME_NAV });
  t.equal(nested.status, 200);
  t.match(nested.text, /deep/);

  const big = await request(`${gw.url}/hostile/big`, { headers: FRAME_NAV, timeoutMs: 30_000 });
  t.equal(big.status, 200);
  const block = Buffer.byteLength(`<p><a href="${origins.site.url}/page2">link</a> ${'x'.repeat(200)}</p>\n`) * 256;
  const links = Math.ceil((5 * 1024 * 1024) / block) * 256;
  t.equal(
    big.text.split('<a href="/page2">link</a>').length - 1,
    links,
    `all of the 5 MB page arrived, rewritten (${big.body.length} bytes)`,
  );

  const reset = await request(`${gw.url}/hostile/reset`, { headers: FRAME_NAV }).then(
    (r) => `complete ${r.body.length}`,
    (e: Error) => `failed: ${e.message}`,
  );
  t.notMatch(reset, /^complete 100000$/, 'a body the origin cut off is not passed off as complete');

  const garbage = await request(`${gw.url}/hostile/bad-gzip`, { headers: { ...FRAME_NAV, 'accept-encoding': 'gzip' } }).then(
    (r) => `status ${r.status}, ${r.body.length} bytes`,
    () => 'cut off',
  );
  t.ok(
    garbage === 'cut off' || garbage.endsWith(', 0 bytes'),
    `a body that is not what its Content-Encoding says is not served (${garbage})`,
  );

  const health = await request(`${gw.url}/__tandem/healthz`);
  t.equal(health.status, 200);
  const after = await request(`${gw.url}/page2`, { headers: FRAME_NAV });
  t.equal(after.status, 200, 'and it still proxies');
});

t.test('proxy: one log line per proxied request, with no cookie, token or query value', async (t) => {
  const { loadConfig } = await import('../../gateway/config.js');
  const { boot } = await import('../../gateway/boot.js');
  const { createLogger } = await import('../../gateway/ops/logger.js');
  const { TEST_SECRET } = await import('../helpers/gateway.js');
  const lines: Record<string, unknown>[] = [];
  const dest = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
  const config = loadConfig({
    TANDEM_SECRET: TEST_SECRET,
    TANDEM_HOST: '127.0.0.1',
    TANDEM_PORT: '0',
    TANDEM_ORIGIN: origins.site.url,
    TANDEM_LOG_LEVEL: 'info',
  });
  const running = await boot(config, { log: createLogger('info', dest) });
  t.teardown(() => running.close());
  const r = await request(`${running.gateway.url}/headers?account=12345678`, {
    headers: { cookie: 'sid=secret-session; tandem_p=secret-token', 'x-request-id': 'req-abc-1' },
  });
  t.equal(r.status, 200);
  const until = Date.now() + 5000;
  while (!lines.some((l) => l.msg === 'proxied') && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
  const proxied = lines.filter((l) => l.msg === 'proxied');
  t.equal(proxied.length, 1);
  t.match(proxied[0], { level: 'info', reqId: 'req-abc-1', method: 'GET', status: 200 });
  t.type(proxied[0].ms, 'number');
  const text = JSON.stringify(lines);
  t.notMatch(text, /secret-session|secret-token|12345678/, 'no cookie, token or query value in any log line');
});
