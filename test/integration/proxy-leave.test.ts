import t from 'tap';
import * as cheerio from 'cheerio';
import { startFixtureOrigins } from '../fixtures/origins/index.js';
import { request, FRAME_NAV } from '../fixtures/origins/http-client.js';
import { startTestGateway } from '../helpers/gateway.js';

const origins = await startFixtureOrigins();
t.teardown(() => origins.close());
const gw = await startTestGateway({ TANDEM_ORIGIN: origins.site.url, TANDEM_ALLOW: origins.second.url });
t.teardown(() => gw.close());

const away = (href: string, status = 302): string => `${gw.url}/redirect/${status}?to=away&href=${encodeURIComponent(href)}`;

t.test('proxy-leave: a redirect to an origin that is not allowed opens in a new tab instead of leaving the frame', async (t) => {
  for (const status of [301, 302, 303, 307]) {
    const r = await request(away(`${origins.evil.url}/landing?x=1`, status), { headers: FRAME_NAV });
    t.equal(r.status, 200, `${status}: the frame gets a page, not the redirect`);
    t.notOk(r.headers.location, `${status}: no Location leads the frame away`);
    const $ = cheerio.load(r.text);
    const link = $('a[data-tandem="leave-link"]');
    t.equal(link.attr('href'), `${origins.evil.url}/landing?x=1`, `${status}: the page links to the destination`);
    t.equal(link.attr('target'), '_blank', `${status}: in a new tab`);
    t.match(link.attr('rel') ?? '', /noopener/, `${status}: without a handle on the session`);
    t.equal($('script[data-tandem-hooks]').length, 1, `${status}: the page has the hooks, so the others see it too`);
  }
  t.equal(origins.evil.counters.hits.size, 0, 'the gateway itself never requested the foreign origin');
});

t.test('proxy-leave: redirects inside the gateway, and those of scripts, are left alone', async (t) => {
  const inside = await request(away(`${origins.second.url}/page`), { headers: FRAME_NAV });
  t.equal(inside.status, 302, 'a redirect to an allowed origin stays a redirect');
  t.match(String(inside.headers.location), /^\/__tandem\/o\/http\/127\.0\.0\.1:\d+\/page$/);
  const fetched = await request(away(`${origins.evil.url}/api`), { headers: { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' } });
  t.equal(fetched.status, 302, "a script's request gets the redirect as it is (the CSP safety net reports it)");
});
