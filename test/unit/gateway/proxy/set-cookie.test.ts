import t from 'tap';
import { rewriteSetCookie, type CookieContext } from '../../../../gateway/proxy/set-cookie.js';
import { createOriginMap } from '../../../../protocol/url-map.js';

const map = createOriginMap('https://bank.example', ['https://static.bank.example', 'http://cdn.example:8080']);
const primaryHttp: CookieContext = { map, origin: 'https://bank.example', gatewayHttps: false, gatewayHost: '127.0.0.1:8080' };
const primaryHttps: CookieContext = { ...primaryHttp, gatewayHttps: true, gatewayHost: 'cobrowse.bank.example' };
const staticHttps: CookieContext = { ...primaryHttps, origin: 'https://static.bank.example' };
const cdnHttp: CookieContext = { ...primaryHttp, origin: 'http://cdn.example:8080' };

t.test('set-cookie: Domain, Secure, SameSite and Path are fitted to the gateway', async (t) => {
  const rows: [string, CookieContext, string | null][] = [
    ['sid=1; Path=/; HttpOnly', primaryHttp, 'sid=1; Path=/; HttpOnly'],
    ['sid=1; Domain=.bank.example; Path=/', primaryHttp, 'sid=1; Path=/'],
    ['sid=1; Domain=.bank.example; Path=/', primaryHttps, 'sid=1; Domain=cobrowse.bank.example; Path=/'],
    ['sid=1; Domain=bank.example', { ...primaryHttps, gatewayHost: 'localhost:8443' }, 'sid=1'],
    ['sid=1; Domain=bank.example', { ...primaryHttps, gatewayHost: '[::1]:8443' }, 'sid=1'],
    ['sid=1; Secure; HttpOnly', primaryHttp, 'sid=1; HttpOnly'],
    ['sid=1; Secure; HttpOnly', primaryHttps, 'sid=1; Secure; HttpOnly'],
    ['sid=1; Secure; SameSite=None', primaryHttp, 'sid=1; SameSite=Lax'],
    ['sid=1; SameSite=None', primaryHttps, 'sid=1; SameSite=Lax'],
    ['sid=1; Secure; SameSite=None', primaryHttps, 'sid=1; Secure; SameSite=None'],
    ['sid=1; Secure; SameSite=None; Partitioned', primaryHttp, 'sid=1; SameSite=Lax'],
    ['sid=1; SameSite=Strict', primaryHttp, 'sid=1; SameSite=Strict'],
    ['a=b; Path=/assets', staticHttps, 'a=b; Path=/__tandem/o/https/static.bank.example/assets'],
    ['a=b; Path=/', staticHttps, 'a=b; Path=/__tandem/o/https/static.bank.example'],
    ['a=b', staticHttps, 'a=b'],
    ['a=b; path=/x; Max-Age=60', cdnHttp, 'a=b; Path=/__tandem/o/http/cdn.example:8080/x; Max-Age=60'],
    ['a=b; Expires=Wed, 21 Oct 2026 07:28:00 GMT', primaryHttp, 'a=b; Expires=Wed, 21 Oct 2026 07:28:00 GMT'],
    ['tandem_sid=evil; Path=/', primaryHttp, null],
    ['TANDEM_x=evil', primaryHttp, null],
    ['a="quoted; value"', primaryHttp, 'a="quoted; value"'],
  ];
  for (const [input, ctx, expected] of rows)
    t.equal(rewriteSetCookie(input, ctx), expected, `${input} (${ctx.origin}, ${ctx.gatewayHttps ? 'https' : 'http'})`);
});
