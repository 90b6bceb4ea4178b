import t from 'tap';
import { createOriginMap, mapUrl, unmapPath, realOriginOfPath, gatewayPathOf, originOf, type MapKind } from '../../../protocol/url-map.js';

const map = createOriginMap('https://bank.example', ['https://static.bank.example', 'http://cdn.example:8080', 'http://[::1]:9000']);
const PRIMARY_PAGE = 'https://bank.example/accounts/list?x=1';
const STATIC_PAGE = 'https://static.bank.example/css/site/page.html';

type Row = [raw: string, base: string, kind: MapKind, url?: string];

t.test('url-map: mapUrl maps, keeps or flags every kind of URL', async (t) => {
  const rows: Row[] = [
    // relative and root-relative on the primary origin need no change
    ['', PRIMARY_PAGE, 'same'],
    ['x.html', PRIMARY_PAGE, 'same'],
    ['../x.html', PRIMARY_PAGE, 'same'],
    ['/a/b?c=d#e', PRIMARY_PAGE, 'same'],
    ['?q=1', PRIMARY_PAGE, 'same'],
    ['\\a', PRIMARY_PAGE, 'same'],
    ['#top', PRIMARY_PAGE, 'other'],
    // absolute URLs of the primary origin go to the root
    ['https://bank.example/a?b', PRIMARY_PAGE, 'mapped', '/a?b'],
    ['https://bank.example', PRIMARY_PAGE, 'mapped', '/'],
    ['HTTPS://BANK.EXAMPLE/A', PRIMARY_PAGE, 'mapped', '/A'],
    ['https://bank.example:443/x', PRIMARY_PAGE, 'mapped', '/x'],
    ['https://user:pw@bank.example/x', PRIMARY_PAGE, 'mapped', '/x'],
    ['//bank.example/x#h', PRIMARY_PAGE, 'mapped', '/x#h'],
    ['  https://bank.example/x  ', PRIMARY_PAGE, 'mapped', '/x'],
    ['ht\ntps://bank.ex\tample/x', PRIMARY_PAGE, 'mapped', '/x'],
    ['https:\\\\bank.example\\x', PRIMARY_PAGE, 'mapped', '/x'],
    ['https:x', PRIMARY_PAGE, 'mapped', '/accounts/x'],
    ['wss://bank.example/socket', PRIMARY_PAGE, 'mapped', '/socket'],
    ['https://bank.example//evil.example/x', PRIMARY_PAGE, 'mapped', '/.//evil.example/x'],
    // allowed origins go under /__tandem/o/
    ['https://static.bank.example/app.css', PRIMARY_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/app.css'],
    ['//static.bank.example/i.png', PRIMARY_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/i.png'],
    ['\\\\static.bank.example\\i.png', PRIMARY_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/i.png'],
    ['/\\static.bank.example/i.png', PRIMARY_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/i.png'],
    ['/\n/static.bank.example/i.png', PRIMARY_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/i.png'],
    ['wss://static.bank.example/live', PRIMARY_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/live'],
    ['http://cdn.example:8080/x?y#z', PRIMARY_PAGE, 'mapped', '/__tandem/o/http/cdn.example:8080/x?y#z'],
    ['ws://cdn.example:8080/x', PRIMARY_PAGE, 'mapped', '/__tandem/o/http/cdn.example:8080/x'],
    ['http://[::1]:9000/v6', PRIMARY_PAGE, 'mapped', '/__tandem/o/http/[::1]:9000/v6'],
    ['http://[0:0::1]:9000/v6', PRIMARY_PAGE, 'mapped', '/__tandem/o/http/[::1]:9000/v6'],
    // on an allowed-origin page, root-relative and protocol-relative must be mapped
    ['/img/a.png', STATIC_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/img/a.png'],
    ['//bank.example/home', STATIC_PAGE, 'mapped', '/home'],
    ['b.png', STATIC_PAGE, 'same'],
    ['./b.png', STATIC_PAGE, 'same'],
    ['../../../../x', STATIC_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/x'],
    ['%2e%2e/%2e%2e/%2e%2e/x', STATIC_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/x'],
    ['/__tandem/o/https/static.bank.example/a', STATIC_PAGE, 'same'],
    // foreign origins: flagged, resolved
    ['https://evil.example/x', PRIMARY_PAGE, 'foreign', 'https://evil.example/x'],
    ['//evil.example/x', PRIMARY_PAGE, 'foreign', 'https://evil.example/x'],
    ['\\\\evil.example', PRIMARY_PAGE, 'foreign', 'https://evil.example/'],
    ['/\t/evil.example/', PRIMARY_PAGE, 'foreign', 'https://evil.example/'],
    ['http://bank.example/x', PRIMARY_PAGE, 'foreign', 'http://bank.example/x'],
    ['https://bank.example:8443/x', PRIMARY_PAGE, 'foreign', 'https://bank.example:8443/x'],
    ['https://bank.example@evil.example/', PRIMARY_PAGE, 'foreign', 'https://bank.example@evil.example/'],
    ['https://bank.example.evil.example/', PRIMARY_PAGE, 'foreign', 'https://bank.example.evil.example/'],
    ['https://evil.example/https://bank.example/', PRIMARY_PAGE, 'foreign', 'https://evil.example/https://bank.example/'],
    ['http:evil.example/x', PRIMARY_PAGE, 'foreign', 'http://evil.example/x'],
    ['http://cdn.example/x', PRIMARY_PAGE, 'foreign', 'http://cdn.example/x'],
    ['x', 'https://evil.example/dir/', 'foreign', 'https://evil.example/dir/x'],
    // spellings the parser would normalise take the slow path and come out the same
    ['https://evil.example', PRIMARY_PAGE, 'foreign', 'https://evil.example/'],
    ['https://bank.example/a/./b/../c', PRIMARY_PAGE, 'mapped', '/a/c'],
    ['https://bank.example/a b"c', PRIMARY_PAGE, 'mapped', '/a%20b%22c'],
    ['https://bank.example?q', PRIMARY_PAGE, 'mapped', '/?q'],
    ['https://static.bank.example#h', PRIMARY_PAGE, 'mapped', '/__tandem/o/https/static.bank.example/#h'],
    ['http://127.0.0.1/x', PRIMARY_PAGE, 'foreign', 'http://127.0.0.1/x'],
    ['https://0x7f.1/', PRIMARY_PAGE, 'foreign', 'https://127.0.0.1/'],
    ['https://bank.example:/x', PRIMARY_PAGE, 'mapped', '/x'],
    ['wss://evil.example/s', PRIMARY_PAGE, 'foreign', 'wss://evil.example/s'],
    // other schemes stay as they are
    ['javascript:alert(1)', PRIMARY_PAGE, 'other'],
    [' JavaScript:void(0)', PRIMARY_PAGE, 'other'],
    ['java\nscript:x', PRIMARY_PAGE, 'other'],
    ['data:image/png;base64,AAAA', PRIMARY_PAGE, 'other'],
    ['blob:https://bank.example/123', PRIMARY_PAGE, 'other'],
    ['mailto:a@bank.example', PRIMARY_PAGE, 'other'],
    ['about:blank', PRIMARY_PAGE, 'other'],
    ['tel:+331', PRIMARY_PAGE, 'other'],
    // unparsable stays
    ['https://[bad', PRIMARY_PAGE, 'same'],
  ];
  for (const [raw, base, kind, url] of rows) {
    const got = mapUrl(raw, base, map);
    t.same(got, { kind, url: url ?? raw }, JSON.stringify([raw, base]));
  }
});

t.test('url-map: no hostile input maps a foreign origin into the gateway', async (t) => {
  const hostile = [
    'https://evil.example',
    '//evil.example',
    '\\/evil.example',
    '/\\evil.example',
    ' \u0000//evil.example',
    'https://evil.example%2f@bank.example/',
    'https://evil.example\\@bank.example/',
    'https://bank.example%2eevil.example/',
    'https://xn--bnk-sna.example/',
    'https://bank.example./',
    'https://static.bank.example.evil.example/',
    'https://evil.example#https://bank.example/',
    'https://evil.example?https://bank.example/',
  ];
  for (const raw of hostile) {
    for (const base of [PRIMARY_PAGE, STATIC_PAGE]) {
      const got = mapUrl(raw, base, map);
      if (got.kind === 'mapped') {
        const real = unmapPath(got.url.startsWith('/.//') ? got.url.slice(2) : got.url, map);
        t.ok(
          real && (real.startsWith('https://bank.example/') || real.startsWith('https://static.bank.example/')),
          `${raw} → ${got.url} → ${real}`,
        );
        t.equal(originOf(real!), originOf(new URL(raw.trim(), base).href), `${raw} keeps its origin`);
      } else {
        t.not(got.kind, 'same', `${raw} is not left to resolve against the gateway`);
      }
    }
  }
});

t.test('url-map: unmapPath turns gateway paths back into real URLs', async (t) => {
  const rows: [string, string | null][] = [
    ['/', 'https://bank.example/'],
    ['/a?b=c', 'https://bank.example/a?b=c'],
    ['//evil.example/x', 'https://bank.example//evil.example/x'],
    ['/__tandem/o/https/static.bank.example/app.css?v=1', 'https://static.bank.example/app.css?v=1'],
    ['/__tandem/o/https/static.bank.example', 'https://static.bank.example/'],
    ['/__tandem/o/https/static.bank.example?q', 'https://static.bank.example/?q'],
    ['/__tandem/o/https/STATIC.bank.example:443/x', 'https://static.bank.example/x'],
    ['/__tandem/o/http/cdn.example:8080/x', 'http://cdn.example:8080/x'],
    ['/__tandem/o/http/[::1]:9000/v6', 'http://[::1]:9000/v6'],
    ['/__tandem/o/https/bank.example/x', 'https://bank.example/x'],
    ['/__tandem/o/https/evil.example/x', null],
    ['/__tandem/o/http/static.bank.example/x', null],
    ['/__tandem/o/http/cdn.example/x', null],
    ['/__tandem/o/https/evil.example@static.bank.example/x', null],
    ['/__tandem/o/https/static.bank.example%2f/x', null],
    ['/__tandem/o/ftp/static.bank.example/x', null],
    ['/__tandem/o/https', null],
    ['/__tandem/hub', null],
    ['/__tandem/console', null],
    ['*', null],
    ['https://bank.example/x', null],
  ];
  for (const [path, real] of rows) t.equal(unmapPath(path, map), real, path);
  t.equal(realOriginOfPath('/__tandem/o/http/cdn.example:8080/x', map), 'http://cdn.example:8080');
  t.equal(realOriginOfPath('/x', map), 'https://bank.example');
  t.equal(realOriginOfPath('/__tandem/o/https/evil.example/', map), null);
});

t.test('url-map: mapping then unmapping gives back the real URL', async (t) => {
  const urls = [
    'https://bank.example/a/b?c=d',
    'https://static.bank.example/x/y.css?z',
    'http://cdn.example:8080/',
    'http://[::1]:9000/a%20b',
    'https://bank.example/%E2%82%AC?q=%20',
  ];
  for (const real of urls) {
    const path = gatewayPathOf(real, map);
    t.ok(path, real);
    t.equal(unmapPath(path!, map), new URL(real).href, real);
  }
  t.equal(gatewayPathOf('https://evil.example/', map), null);
  t.equal(gatewayPathOf('not a url', map), null);
});

t.test('url-map: createOriginMap normalises and rejects non-http origins', async (t) => {
  const m = createOriginMap('HTTPS://Bank.Example:443', ['http://X.example:80']);
  t.same(m, { primary: 'https://bank.example', allowed: ['http://x.example'] });
  t.throws(() => createOriginMap('ftp://bank.example', []));
});

t.test('url-map: URLs spelled with a configured origin (port, IP address) map as the URL parser would', async (t) => {
  const ipMap = createOriginMap('http://127.0.0.1:8080', ['http://[::1]:9000', 'https://static.bank.example']);
  const page = 'http://127.0.0.1:8080/accounts/';
  const cases = [
    'http://127.0.0.1:8080/a/b?x=1&y=2#top',
    'http://127.0.0.1:8080',
    'http://127.0.0.1:8080?q',
    'http://127.0.0.1:8080#f',
    'http://127.0.0.1:8080/a/../../etc',
    'http://127.0.0.1:8080/a/%2e%2e/b',
    'http://127.0.0.1:8080//evil.example/x',
    'http://127.0.0.1:8080/a b',
    'http://127.0.0.1:8080/a\\..\\b',
    'http://127.0.0.1:80800/x',
    'http://127.0.0.1:8080.evil.example/x',
    'http://127.0.0.1:8080@evil.example/x',
    'http://127.0.0.1:8080:1/x',
    'http://[::1]:9000/img/1.png?v=2',
    'http://[::1]:9000',
    'http://[::1]:9000/a/./b',
    'https://static.bank.example/css/site.css',
    'https://static.bank.example.evil.example/x',
  ];
  for (const raw of cases) {
    const got = mapUrl(raw, page, ipMap);
    let parsed: URL | null = null;
    try {
      parsed = new URL(raw, page);
    } catch {
      parsed = null;
    }
    const expected = parsed ? gatewayPathOf(parsed.href, ipMap) : null;
    if (expected === null) t.not(got.kind, 'mapped', `${raw} is not mapped`);
    else t.same(got, { kind: 'mapped', url: expected }, `${raw} → ${expected}`);
  }
});
