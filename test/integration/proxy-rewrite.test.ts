import t from 'tap';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startFixtureOrigins } from '../fixtures/origins/index.js';
import { request, FRAME_NAV, type RawResponse } from '../fixtures/origins/http-client.js';
import { startTestGateway } from '../helpers/gateway.js';

const origins = await startFixtureOrigins();
t.teardown(() => origins.close());
const gw = await startTestGateway({ TANDEM_ORIGIN: origins.site.url, TANDEM_ALLOW: origins.second.url, TANDEM_ORIGIN_TIMEOUT: '1s' });
t.teardown(() => gw.close());

const site = origins.site.url;
const secondPath = `/__tandem/o/http/127.0.0.1:${origins.second.port}`;

/** The hooks tag names the real origins in its data attributes, by design. */
function withoutHooksTag(html: string): string {
  return html.replace(/<script [^>]*data-tandem-hooks[^>]*><\/script>/, '');
}

function decoded(r: RawResponse): string {
  const enc = r.headers['content-encoding'];
  if (enc === 'br') return brotliDecompressSync(r.body).toString('utf8');
  if (enc === 'gzip') return gunzipSync(r.body).toString('utf8');
  t.notOk(enc, 'no other coding');
  return r.text;
}

t.test('proxy-rewrite: HTML links to the origins point into the gateway, and the hooks tag is in <head>', async (t) => {
  const home = await request(`${gw.url}/`, { headers: FRAME_NAV });
  t.equal(home.status, 200);
  t.notMatch(withoutHooksTag(home.text), site, 'no URL of the primary origin is left');
  t.match(home.text, /<a id="to-abs" href="\/page2\?from=abs">/);
  t.match(home.text, /<link rel="stylesheet" href="\/style\.css">/);
  t.match(home.text, /<head><meta charset="utf-8"><script src="\/__tandem\/assets\/hooks\.js(\?v=[^"]*)?"[^>]*data-tandem-hooks/);

  const cross = await request(`${gw.url}/cross`, { headers: FRAME_NAV });
  t.notMatch(withoutHooksTag(cross.text), origins.second.url);
  t.match(cross.text, `href="${secondPath}/hello"`);
  t.match(cross.text, `src="${secondPath}/pic.png"`);

  const second = await request(`${gw.url}${secondPath}/hello`, { headers: FRAME_NAV });
  t.match(second.text, 'href="/page2?from=second"', 'the second origin links back to the gateway root');
  t.match(second.text, `href="${secondPath}/hello"`);
});

t.test('proxy-rewrite: target=_top and _parent stay inside the content frame', async (t) => {
  const r = await request(`${gw.url}/top-link`, { headers: FRAME_NAV });
  t.notMatch(r.text, /target="_(top|parent)"/);
});

t.test('proxy-rewrite: CSS url() and @import point into the gateway', async (t) => {
  const r = await request(`${gw.url}/style.css`);
  t.equal(r.status, 200);
  t.notMatch(r.text, site);
  t.match(r.text, /@import url\("\/more\.css"\)/);
  t.match(r.text, /url\("?\/img\/dot\.png"?\)/);
});

t.test('proxy-rewrite: Location of every redirect kind points into the gateway', async (t) => {
  for (const status of [301, 302, 303, 307, 308]) {
    for (const to of ['abs', 'rel', 'relative']) {
      const r = await request(`${gw.url}/redirect/${status}?to=${to}`);
      t.equal(r.status, status);
      const location = String(r.headers.location);
      t.notMatch(location, site, `${status} ${to}`);
      t.equal(new URL(location, gw.url + `/redirect/${status}`).href, `${gw.url}/page2`, `${status} ${to} → ${location}`);
    }
  }
  const cross = await request(`${gw.url}/redirect/302?to=abs&target=/x`);
  t.equal(cross.headers.location, '/x');
});

t.test('proxy-rewrite: frame-blocking headers never block the content frame; cookies move to the gateway', async (t) => {
  const r = await request(`${gw.url}/csp`, { headers: FRAME_NAV });
  t.notOk(r.headers['x-frame-options']);
  const csp = String(r.headers['content-security-policy']);
  t.match(csp, /frame-ancestors 'self'/);
  t.notMatch(csp, /frame-ancestors 'none'/);

  const c = await request(`${gw.url}/cookies/set`, { headers: FRAME_NAV });
  const cookies = c.headers['set-cookie'] ?? [];
  t.ok(cookies.length >= 4);
  for (const line of cookies) t.notMatch(line, /Domain=127\.0\.0\.1(;|$)/i, 'no origin Domain is left');
  t.notOk(
    cookies.some((l) => /;\s*Secure/i.test(l)),
    'Secure dropped: the gateway is http',
  );
});

t.test('proxy-rewrite: a compressed page is decoded, rewritten and re-encoded as the client accepts', async (t) => {
  for (const page of ['/gzip/page', '/br/page']) {
    for (const [accept, expected] of [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['', undefined],
    ] as const) {
      const r = await request(gw.url + page, { headers: { ...FRAME_NAV, 'accept-encoding': accept } });
      t.equal(r.status, 200);
      t.equal(r.headers['content-encoding'], expected, `${page} for "${accept}"`);
      t.notOk(
        r.headers['content-length'] && expected !== undefined && Number(r.headers['content-length']) !== r.body.length,
        'no stale length',
      );
      t.notOk(r.headers.etag && !String(r.headers.etag).startsWith('W/'), 'no strong validator on changed bytes');
      t.match(r.headers.vary, /accept-encoding/i);
      const html = decoded(r);
      t.match(html, '<a id="abs" href="/page2">', `${page} rewritten`);
      t.match(html, /data-tandem-hooks/);
      t.equal(html.match(/filler text/g)?.length, 200, 'whole body');
    }
  }
});

t.test('proxy-rewrite: the origin is never offered a coding we cannot decode', async (t) => {
  const r = await request(`${gw.url}/headers`, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
  const seen = (JSON.parse(r.text) as { headers: Record<string, string> }).headers['accept-encoding'];
  t.notMatch(seen, /zstd/);
  t.match(seen, /gzip/);
  t.match(seen, /br/);
});

t.test('proxy-rewrite: a page streams: its head arrives, rewritten, before the origin sends the rest', async (t) => {
  for (const accept of ['br', 'gzip', '']) {
    const received: Buffer[] = [];
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${gw.url}/stream`, { headers: { ...FRAME_NAV, 'accept-encoding': accept }, agent: false }, resolve).on('error', reject);
    });
    const { createBrotliDecompress, createGunzip } = await import('node:zlib');
    const body = accept === 'br' ? res.pipe(createBrotliDecompress()) : accept === 'gzip' ? res.pipe(createGunzip()) : res;
    const seen = (pattern: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} (${accept})`)), 5000);
        const check = (): void => {
          if (pattern.test(Buffer.concat(received).toString())) {
            clearTimeout(timer);
            body.off('data', onData);
            resolve();
          }
        };
        const onData = (c: Buffer): void => {
          received.push(c);
          check();
        };
        body.on('data', onData);
        check();
      });
    await seen(/<p id="first"><a href="\/page2">first<\/a><\/p>/);
    t.match(Buffer.concat(received).toString(), /data-tandem-hooks/, `head with the hooks first (${accept || 'identity'})`);
    t.notMatch(Buffer.concat(received).toString(), /id="rest"/);
    await request(`${site}/stream/release`);
    const ended = new Promise((resolve) => body.once('end', resolve));
    await seen(/<p id="rest"><a href="\/page2\?rest">rest<\/a><\/p><\/body><\/html>$/);
    body.resume();
    await ended;
  }
});

t.test('proxy-rewrite: rewritten bytes are counted', async (t) => {
  const m = await request(`${gw.url}/__tandem/metrics`);
  const html = Number(/^tandem_rewritten_bytes_total\{kind="html"\} (\d+)/m.exec(m.text)?.[1] ?? 0);
  const css = Number(/^tandem_rewritten_bytes_total\{kind="css"\} (\d+)/m.exec(m.text)?.[1] ?? 0);
  t.ok(html > 1000, `html ${html}`);
  t.ok(css > 50, `css ${css}`);
  t.match(m.text, /tandem_proxy_request_duration_seconds_count\{status_class="2xx"\} \d+/);
});
