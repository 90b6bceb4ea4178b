import t from 'tap';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestGateway } from '../helpers/gateway.js';
import { checkCommand, CHECK_OK, CHECK_UNREACHABLE } from '../../gateway/ops/check.js';
import { startTinyOrigin, ORIGIN_TITLE } from './ops-origin.js';
import { connectHub } from './ops-hub.js';

// A private CA and two leaf certificates for localhost / 127.0.0.1, made with Debian's openssl.
const dir = mkdtempSync(join(tmpdir(), 'tandem-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
openssl(
  'req',
  '-x509',
  ...EC,
  '-keyout',
  'ca.key',
  '-out',
  'ca.crt',
  '-days',
  '2',
  '-subj',
  '/CN=Tandem Test CA',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign,cRLSign',
);
writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
for (const name of ['gateway', 'origin']) {
  openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.localhost`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    'leaf.ext',
  );
}
const file = (name: string) => join(dir, name);
const CA = readFileSync(file('ca.crt'));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, opts: { ca?: Buffer; headers?: Record<string, string>; method?: string; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', ca: opts.ca, headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const iframe = { 'sec-fetch-dest': 'iframe' };

t.test('tls: the gateway serves HTTPS with its own certificate', async (t) => {
  const origin = await startTinyOrigin();
  t.teardown(() => origin.close());
  const gw = await startTestGateway({
    TANDEM_ORIGIN: origin.url,
    TANDEM_TLS_CERT: file('gateway.crt'),
    TANDEM_TLS_KEY: file('gateway.key'),
  });
  t.teardown(() => gw.close());
  t.match(gw.url, /^https:\/\//);

  const health = await get(`${gw.url}/__tandem/healthz`, { ca: CA });
  t.equal(health.status, 200);
  t.match(String(health.headers['strict-transport-security']), /max-age=\d+/, "HSTS on Tandem's own answers");

  const page = await get(`${gw.url}/`, { ca: CA, headers: iframe });
  t.equal(page.status, 200);
  t.match(page.body, ORIGIN_TITLE, "the origin is proxied over the gateway's HTTPS");

  const created = await get(`${gw.url}/__tandem/api/sessions`, {
    ca: CA,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const { token } = JSON.parse(created.body) as { token: string };
  const hub = await connectHub(gw.url, token, '', { ca: CA });
  t.teardown(() => hub.close());
  hub.send({ k: 'top/scroll', op: 'scroll', a: 'all', d: { x: 0, y: 42 }, c: 'tls-1' });
  await hub.until('the command back over wss', () => hub.messages.some((m) => m.op === 'scroll' && typeof m.seq === 'number'));
  t.pass('the hub works over wss on the same port');

  await t.rejects(
    get(`${gw.url}/__tandem/healthz`),
    /self-signed|unable to verify|certificate/i,
    'a client that does not trust the CA is refused: it really is that certificate',
  );
});

t.test('tls: an https origin signed by a private CA is proxied once TANDEM_CA_FILE trusts it', async (t) => {
  const origin = await startTinyOrigin({ tls: { key: readFileSync(file('origin.key')), cert: readFileSync(file('origin.crt')) } });
  t.teardown(() => origin.close());

  const trusting = await startTestGateway({ TANDEM_ORIGIN: origin.url, TANDEM_CA_FILE: file('ca.crt') });
  t.teardown(() => trusting.close());
  const ok = await fetch(`${trusting.url}/`, { headers: iframe });
  t.equal(ok.status, 200);
  t.match(await ok.text(), ORIGIN_TITLE);

  const before = origin.seen.length;
  const plain = await startTestGateway({ TANDEM_ORIGIN: origin.url });
  t.teardown(() => plain.close());
  const refused = await fetch(`${plain.url}/`, { headers: iframe });
  t.equal(refused.status, 502, 'an origin whose certificate is not trusted is a 502');
  t.match(await refused.text(), new URL(origin.url).host, 'the page names the origin');
  t.equal(origin.seen.length, before, 'no request reached the untrusted origin');
});

t.test('tls: tandem check reaches an https origin only with TANDEM_CA_FILE, and says so', async (t) => {
  const origin = await startTinyOrigin({ tls: { key: readFileSync(file('origin.key')), cert: readFileSync(file('origin.crt')) } });
  t.teardown(() => origin.close());
  const env = {
    TANDEM_ORIGIN: origin.url,
    TANDEM_SECRET: 'tandem-test-secret-0123456789abcdef',
    TANDEM_OPERATORS: file('operators.jsonl'),
  };
  let out = '';
  const without = await checkCommand(env, [], { write: (s: string) => (out += s) });
  t.equal(without, CHECK_UNREACHABLE, out);
  t.match(out, /its certificate is not trusted .*set TANDEM_CA_FILE/);
  out = '';
  const trusted = await checkCommand({ ...env, TANDEM_CA_FILE: file('ca.crt') }, [], { write: (s: string) => (out += s) });
  t.equal(trusted, CHECK_OK, out);
  t.match(out, /ok\s+TANDEM_CA_FILE/);
});
