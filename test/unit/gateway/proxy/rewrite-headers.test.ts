import t from 'tap';
import {
  rewriteResponseHeaders,
  rewriteLink,
  BODY_DEPENDENT_HEADERS,
  type ResponseHeaderContext,
} from '../../../../gateway/proxy/rewrite-headers.js';
import { createOriginMap } from '../../../../protocol/url-map.js';

const map = createOriginMap('https://bank.example', ['https://static.bank.example']);
const ctx: ResponseHeaderContext = {
  map,
  url: 'https://bank.example/accounts/list',
  gatewayHttps: false,
  gatewayHost: '127.0.0.1:8080',
  cspMode: 'report-only',
  bodyRewritten: false,
  document: false,
  newNonce: () => 'N0NCE',
};

t.test('rewrite-headers: Location, Content-Location, Refresh and Link are mapped', async (t) => {
  const { headers } = rewriteResponseHeaders(
    {
      location: 'https://static.bank.example/login?next=%2F',
      'content-location': 'https://bank.example/accounts/list.html',
      refresh: '5; url=https://bank.example/timeout',
      link: [
        '<https://static.bank.example/app.css>; rel=preload; as=style, </fonts/f.woff2>; rel=preload',
        '<https://cdn.example/x.js>; rel=preload',
      ],
      'content-type': 'text/html',
    },
    ctx,
  );
  t.equal(headers['location'], '/__tandem/o/https/static.bank.example/login?next=%2F');
  t.equal(headers['content-location'], '/accounts/list.html');
  t.equal(headers['refresh'], '5; url=/timeout');
  t.same(headers['link'], [
    '</__tandem/o/https/static.bank.example/app.css>; rel=preload; as=style, </fonts/f.woff2>; rel=preload',
    '<https://cdn.example/x.js>; rel=preload',
  ]);
  t.equal(headers['content-type'], 'text/html');
  t.equal(
    rewriteResponseHeaders({ location: 'https://sso.example/start' }, ctx).headers['location'],
    'https://sso.example/start',
    'a foreign redirect stays',
  );
  t.equal(
    rewriteResponseHeaders({ location: '/next' }, { ...ctx, url: 'https://static.bank.example/a' }).headers['location'],
    '/__tandem/o/https/static.bank.example/next',
    'root-relative on a further origin',
  );
  t.equal(rewriteLink('<//bank.example/x>; rel=next', ctx), '</x>; rel=next');
});

t.test('rewrite-headers: framing and origin-host policies are removed, cookies rewritten', async (t) => {
  const { headers } = rewriteResponseHeaders(
    {
      'x-frame-options': 'DENY',
      'strict-transport-security': 'max-age=31536000',
      'alt-svc': 'h3=":443"',
      'clear-site-data': '"cookies"',
      'report-to': '{}',
      nel: '{}',
      'set-cookie': ['sid=1; Domain=bank.example; Secure; SameSite=None', 'tandem_sid=x'],
      'cache-control': 'no-store',
    },
    ctx,
  );
  t.same(Object.keys(headers).sort(), ['cache-control', 'set-cookie']);
  t.same(headers['set-cookie'], ['sid=1; SameSite=Lax']);
});

t.test('rewrite-headers: a rewritten body drops its length and digests and weakens its ETag', async (t) => {
  const input = {
    'content-length': '100',
    'content-md5': 'x',
    digest: 'sha-256=x',
    'content-digest': 'x',
    etag: '"abc"',
    'accept-ranges': 'bytes',
    'last-modified': 'x',
  };
  const { headers } = rewriteResponseHeaders(input, { ...ctx, bodyRewritten: true });
  t.same(headers, { etag: 'W/"abc"', 'last-modified': 'x' });
  t.same(rewriteResponseHeaders(input, ctx).headers['content-length'], '100', 'untouched bodies keep them');
  t.ok(BODY_DEPENDENT_HEADERS.includes('content-length'));
});

t.test('rewrite-headers: a page gets the safety net and a nonce its policy needs', async (t) => {
  const doc = { ...ctx, document: true, bodyRewritten: true };
  const plain = rewriteResponseHeaders({}, doc);
  t.same(plain.headers['content-security-policy-report-only'], [
    "default-src 'self' data: blob: 'unsafe-inline' 'unsafe-eval'; form-action 'self'; report-uri /__tandem/csp-report",
  ]);
  t.equal(plain.nonce, null);
  t.notOk(plain.headers['content-security-policy']);

  const enforce = rewriteResponseHeaders({}, { ...doc, cspMode: 'enforce' });
  t.equal((enforce.headers['content-security-policy'] as string[]).length, 1);

  const strict = rewriteResponseHeaders(
    {
      'content-security-policy': "script-src 'sha256-a' 'strict-dynamic'; frame-ancestors 'none'; report-uri /r",
      etag: '"e"',
      'last-modified': 'x',
      'content-security-policy-report-only': 'img-src https://bank.example; report-uri /r',
    },
    doc,
  );
  t.equal(strict.nonce, 'N0NCE');
  t.same(strict.headers['content-security-policy'], ["script-src 'sha256-a' 'strict-dynamic' 'nonce-N0NCE'; frame-ancestors 'self'"]);
  t.same(strict.headers['content-security-policy-report-only'], [
    "img-src 'self'",
    "default-src 'self' data: blob: 'unsafe-inline' 'unsafe-eval'; form-action 'self'; report-uri /__tandem/csp-report",
  ]);
  t.notOk(strict.headers['etag'], 'no 304 can pair a cached body with another nonce');
  t.notOk(strict.headers['last-modified']);

  const joined = rewriteResponseHeaders({ 'content-security-policy': "img-src https://bank.example, script-src 'none'" }, doc);
  t.same(
    joined.headers['content-security-policy'],
    ["img-src 'self'", "script-src 'self'"],
    'a comma-joined policy list is adjusted policy by policy',
  );

  const pageNonce = rewriteResponseHeaders({ 'content-security-policy': "script-src 'nonce-PAGE'" }, doc);
  t.equal(pageNonce.nonce, 'PAGE', "the page's own nonce is reused");
});
