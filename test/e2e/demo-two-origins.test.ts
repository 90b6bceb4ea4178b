/**
 * The demo as a new user meets it: `node dist/gateway/main.js` with no configuration prints the
 * customers' URL (127.0.0.1) and the console's (localhost, an origin of its own); a customer on
 * Demo Bank calls, an operator logged in on the console origin responds and sees the page in the
 * mirror, and a link the operator clicks there takes the customer's page along.
 */

import t from 'tap';
import { spawnGateway } from '../helpers/gateway.js';
import { launchChromium } from '../helpers/browser.js';
import { freePort } from '../helpers/redis.js';
import { eventually } from './helpers/sharing.js';

t.test('demo: two origins printed, the operator on localhost mirrors the customer on 127.0.0.1 and acts through it', async (t) => {
  const port = await freePort();
  const gw = await spawnGateway({ TANDEM_PORT: String(port), TANDEM_HOST: '0.0.0.0' });
  t.teardown(() => gw.stop());
  await eventually(async () => gw.output().includes('Console:'), 'the start banner');
  t.match(gw.output(), new RegExp(`Customer:\\s+http://127\\.0\\.0\\.1:${port}/`), 'the customers URL is printed');
  t.match(gw.output(), new RegExp(`Console:\\s+http://localhost:${port}/__tandem/console`), 'the console URL is printed, on localhost');

  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const customerCtx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const customer = await customerCtx.newPage();
  await customer.goto(`http://127.0.0.1:${port}/`);
  const content = () => customer.frames().find((f) => f.name() === 'tandem-content')!;
  await eventually(async () => /Demo Bank/.test((await content().title()) ?? ''), 'Demo Bank in the content frame');
  await customer.click('[data-tandem="connect"]');
  await customer.waitForFunction(() => /^\d{6}$/.test(document.querySelector('[data-tandem="code"]')?.textContent ?? ''));
  const code = (await customer.textContent('[data-tandem="code"]'))!;

  const opCtx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const login = await opCtx.request.post(`http://localhost:${port}/__tandem/api/login`, { data: { name: 'demo', password: 'demo' } });
  t.equal(login.status(), 200, 'the demo operator logs in on the console origin');
  const wrongSide = await opCtx.request.post(`http://127.0.0.1:${port}/__tandem/api/login`, { data: { name: 'demo', password: 'demo' } });
  t.equal(wrongSide.status(), 403, 'and not on the customers origin');
  const joined = await opCtx.request.post(`http://localhost:${port}/__tandem/api/join`, { data: { code } });
  const { id } = (await joined.json()) as { id: string };
  const op = await opCtx.newPage();
  await op.goto(`http://localhost:${port}/__tandem/s/${id}`);
  const mirror = () => op.mainFrame().childFrames()[0];
  await eventually(async () => !!mirror() && /Demo Bank/.test((await mirror().title()) ?? ''), "the operator's mirror shows Demo Bank");
  await eventually(async () => (await op.title()) === (await content().title()), "the operator's tab shows the page's title");
  t.equal(await customer.textContent('[data-tandem="status"]'), 'connected', 'the customer sees the operator connected');

  const help = mirror().locator('a[href$="/help"]').first();
  await help.click();
  await eventually(async () => new URL(content().url()).pathname === '/help', "the customer's page went where the operator clicked");
  await eventually(async () => (await op.inputValue('[data-tandem="address"]')) === '/help', "the operator's address bar follows");
  const cookies = await opCtx.cookies();
  t.same(
    cookies.filter((c) => c.domain !== 'localhost').map((c) => `${c.domain} ${c.name}`),
    [],
    'the operator browser holds no cookie of the customers origin',
  );
});
