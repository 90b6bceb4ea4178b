import t from 'tap';
import { adjustPolicy, safetyNetPolicy, type CspOptions } from '../../../../gateway/proxy/csp.js';
import { createOriginMap } from '../../../../protocol/url-map.js';

const map = createOriginMap('https://bank.example', ['https://static.bank.example', 'http://cdn.example:8080']);
const page: CspOptions = { map, gatewayHttps: false, hooks: true, newNonce: () => 'FRESH' };

t.test('csp: configured origins become self, reports and frame-ancestors are fixed', async (t) => {
  const rows: [string, string][] = [
    ["default-src 'self' https://static.bank.example https://other.example", "default-src 'self' https://other.example"],
    ['img-src https://bank.example static.bank.example', "img-src 'self'"],
    ['img-src *.bank.example', "img-src 'self' *.bank.example"],
    ['img-src https://static.bank.example:443/img/', "img-src 'self'"],
    ['img-src https://static.bank.example:8443', 'img-src https://static.bank.example:8443'],
    ['img-src http://cdn.example:8080', "img-src 'self'"],
    ['img-src cdn.example', 'img-src cdn.example'],
    ['connect-src wss://bank.example', "connect-src 'self'"],
    ["frame-ancestors 'none'", "frame-ancestors 'self'"],
    ['img-src data:; report-uri https://bank.example/r; report-to grp', 'img-src data:'],
    ['upgrade-insecure-requests; img-src data:', 'img-src data:'],
    ["img-src 'none' https://bank.example", "img-src 'self'"],
    ['img-src a.example; img-src b.example', 'img-src a.example'],
  ];
  for (const [input, expected] of rows) t.equal(adjustPolicy(input, { ...page, hooks: false }).policy, expected, input);
  t.equal(adjustPolicy('upgrade-insecure-requests', { ...page, gatewayHttps: true }).policy, 'upgrade-insecure-requests');
});

t.test('csp: the hooks script is admitted without weakening the page policy', async (t) => {
  const rows: [string, string, string | null][] = [
    ["script-src 'nonce-abc123' 'strict-dynamic'", "script-src 'nonce-abc123' 'strict-dynamic'", 'abc123'],
    ["script-src 'sha256-xyz' 'strict-dynamic'", "script-src 'sha256-xyz' 'strict-dynamic' 'nonce-FRESH'", 'FRESH'],
    ["script-src https://static.bank.example 'unsafe-inline'", "script-src 'self' 'unsafe-inline'", null],
    ['script-src https://js.example', "script-src https://js.example 'self'", null],
    ["script-src 'none'", "script-src 'self'", null],
    ["default-src 'none'", "default-src 'self'", null],
    [
      "default-src 'none'; script-src-elem 'nonce-n1'; script-src 'none'",
      "default-src 'none'; script-src-elem 'nonce-n1'; script-src 'none'",
      'n1',
    ],
    ['img-src data:', 'img-src data:', null],
  ];
  for (const [input, expected, nonce] of rows) {
    const r = adjustPolicy(input, page);
    t.equal(r.policy, expected, input);
    t.equal(r.nonce, nonce, `${input}: nonce`);
  }
  t.equal(
    adjustPolicy("script-src 'strict-dynamic'", { ...page, nonce: 'KEEP' }).nonce,
    'KEEP',
    'a nonce already chosen for the response is reused',
  );
});

t.test('csp: the safety net names only the gateway and reports to Tandem', async (t) => {
  const p = safetyNetPolicy();
  t.match(p, /^default-src 'self' data: blob: 'unsafe-inline' 'unsafe-eval'; form-action 'self'; report-uri \/__tandem\/csp-report$/);
  t.notMatch(p, /https?:/);
});
