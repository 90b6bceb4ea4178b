import t from 'tap';
import { get, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startApiGateway, call, login, cookieFrom, type ApiGateway } from './api-helpers.js';

let g: ApiGateway;
t.before(async () => {
  g = await startApiGateway();
});
t.teardown(() => g.close());

const page = (path: string, cookie?: string) =>
  fetch(g.url + path, { redirect: 'manual', headers: { 'sec-fetch-dest': 'document', ...(cookie ? { cookie } : {}) } });

function shellConfig(html: string): { role: string; session?: { id: string; code: string; token: string; name: string } } {
  const m = /<script type="application\/json" id="tandem-config">(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error('no shell config in the page');
  return JSON.parse(m[1]) as ReturnType<typeof shellConfig>;
}

async function newSession() {
  const r = await call(g.url, 'POST', '/__tandem/api/sessions', { body: { name: 'Ada' } });
  return {
    id: r.body.id as string,
    code: r.body.code as string,
    token: r.body.token as string,
    cookie: cookieFrom(r.headers, 'tandem_p')!.pair,
  };
}

t.test('console page: the login form and the queue carry the contract’s test ids', async (t) => {
  const res = await page('/__tandem/console');
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /text\/html/);
  t.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  const html = await res.text();
  for (const id of ['login-name', 'login-password', 'login-submit', 'join-code', 'join-submit', 'queue', 'player'])
    t.match(html, `data-tandem="${id}"`, id);
  t.match(html, /\/__tandem\/assets\/console\.js\?v=/, 'the console bundle');
  t.match(html, /data-view="login"/, 'logged out: the login view');
  const alice = await login(g.url, 'alice');
  t.match(await (await page('/__tandem/console', `tandem_console=${alice}`)).text(), /data-view="main"/, 'logged in: the main view');
  const js = await fetch(`${g.url}/__tandem/assets/console.js`);
  t.equal(js.status, 200, 'the bundle is served');
});

t.test('assets: br and gzip bodies decode to the plain bundle, each with its encoding', async (t) => {
  for (const name of ['shell.js', 'hooks.js', 'console.js', 'shell.css']) {
    const plain = Buffer.from(
      await (await fetch(`${g.url}/__tandem/assets/${name}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer(),
    );
    t.ok(plain.length > 500, `${name}: a body`);
    for (const [encoding, decode] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const res = await request(`${g.url}/__tandem/assets/${name}`, { headers: { 'accept-encoding': encoding } });
      t.equal(res.headers['content-encoding'], encoding, `${name}: ${encoding}`);
      t.ok(decode(res.body).equals(plain), `${name}: the ${encoding} body is the bundle`);
    }
  }
});

/** A GET whose body stays as sent (fetch would decode it). */
function request(url: string, opts: { headers: Record<string, string> }): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, opts, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

t.test('session URL: without a login it sends the browser to the console login, never the shell', async (t) => {
  const s = await newSession();
  for (const cookie of [undefined, s.cookie, 'tandem_console=forged.value']) {
    const res = await page(`/__tandem/s/${s.id}`, cookie);
    t.equal(res.status, 302);
    t.equal(res.headers.get('location'), `/__tandem/console?next=${encodeURIComponent(`/__tandem/s/${s.id}`)}`);
    t.notMatch(await res.text(), /tandem-config/);
  }
});

t.test('session URL: a logged-in operator gets the shell joined to the session and a tandem_p cookie', async (t) => {
  const s = await newSession();
  const alice = await login(g.url, 'alice');
  const res = await page(`/__tandem/s/${s.id}`, `tandem_console=${alice}`);
  t.equal(res.status, 200);
  const cfg = shellConfig(await res.text());
  t.equal(cfg.role, 'operator');
  t.match(cfg.session, { id: s.id, code: s.code, name: 'alice', token: String });
  const c = cookieFrom(res.headers, 'tandem_p');
  t.ok(c, 'tandem_p set');
  t.match(c!.attributes, /HttpOnly/);
  t.match(c!.attributes, /Path=\/(;|$)/);
  t.equal(decodeURIComponent(c!.pair.split('=')[1]), cfg.session!.token, 'the cookie holds the operator’s hub token');
  const listed = await call(g.url, 'GET', '/__tandem/api/sessions', { token: alice });
  t.equal(
    (listed.body.sessions as { id: string; status: string }[]).find((x) => x.id === s.id)!.status,
    'active',
    'opening it took the waiting call',
  );
});

t.test('session URL: a valid join token works once moved into the cookie; a forged one does not', async (t) => {
  const s = await newSession();
  const carol = await login(g.url, 'carol');
  const j = await call(g.url, 'POST', '/__tandem/api/join', { token: carol, body: { code: s.code } });
  const res = await page(`/__tandem/s/${s.id}?t=${encodeURIComponent(j.body.token as string)}`);
  t.equal(res.status, 303, 'the token leaves the address bar');
  t.equal(res.headers.get('location'), `/__tandem/s/${s.id}`);
  const c = cookieFrom(res.headers, 'tandem_p')!;
  const opened = await page(`/__tandem/s/${s.id}`, c.pair);
  t.equal(opened.status, 200);
  t.match(shellConfig(await opened.text()).session, { id: s.id, name: 'carol' });

  t.equal((await page(`/__tandem/s/${s.id}?t=${encodeURIComponent(s.token)}`)).status, 403, 'a customer token is no join token');
  t.equal((await page(`/__tandem/s/${s.id}?t=forged.token`)).status, 403, 'nor is a forged one');
  const other = await newSession();
  t.equal(
    (await page(`/__tandem/s/${other.id}?t=${encodeURIComponent(j.body.token as string)}`)).status,
    403,
    'nor one of another session',
  );
});

t.test('session URL: an ended session says so; an unknown one is a 404', async (t) => {
  const s = await newSession();
  const alice = await login(g.url, 'alice');
  await call(g.url, 'POST', `/__tandem/api/sessions/${s.id}/end`, { token: s.token });
  const res = await page(`/__tandem/s/${s.id}`, `tandem_console=${alice}`);
  t.equal(res.status, 410);
  const html = await res.text();
  t.match(html, /ended/);
  t.notMatch(html, /tandem-config/, 'no shell');
  t.equal((await page('/__tandem/s/doesnotexist123', `tandem_console=${alice}`)).status, 404);
});
