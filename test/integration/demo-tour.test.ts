import t from 'tap';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

// What a newcomer sees after `npm start`: the demo bank in the shell, in a real browser.
let gw: TestGateway;
let browser: Browser;
t.before(async () => {
  gw = await startTestGateway();
  browser = await launchChromium();
});
t.teardown(async () => {
  await browser?.close();
  await gw?.close();
});

async function content(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe[data-tandem="content"]');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the content frame has no document');
  return frame;
}

t.test('demo tour: the bank works inside the shell, and the browser never asks the origin directly', async (t) => {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  const origin = gw.running.demo!.url;
  const direct: string[] = [];
  page.on('request', (req) => {
    if (req.url().startsWith(origin)) direct.push(req.url());
  });
  page.on('pageerror', (err) => t.fail(`page error: ${err.message}`));

  await page.goto(gw.url + '/');
  t.equal(await page.textContent('[data-tandem="status"]'), 'idle', 'the shell is shown');
  const frame = await content(page);
  await frame.waitForSelector('text=Banking, together.');
  const header = await frame.$eval('header.top', (el) => getComputedStyle(el).backgroundImage);
  t.match(header, /\/static\/stripes\.svg/, "the stylesheet's absolute url() came through the gateway");
  t.notOk(header.includes(origin), 'and points at the gateway, not the origin');

  // Rates is an absolute link to the origin in the page's markup.
  await Promise.all([frame.waitForURL(`${gw.url}/rates`), frame.click('nav >> text=Rates')]);
  t.ok((await frame.$$('#rates tbody tr')).length >= 5, 'the rates page opened in the content frame');
  await frame.click('#rates-refresh');
  await frame.waitForFunction(() => document.getElementById('rates-status')!.textContent!.startsWith('Up to date'));

  await Promise.all([frame.waitForURL(/\/login\?next=%2Ftransfer$/), frame.click('nav >> text=Transfer')]);
  await frame.fill('#username', 'tour');
  await frame.fill('#password', 'tour');
  await Promise.all([frame.waitForURL(`${gw.url}/transfer`), frame.click('#login-submit')]);
  t.equal(await frame.textContent('#signed-in-user'), 'tour', 'logged in through the gateway');

  const before = gw.running.demo!.stats.transfers;
  await frame.fill('#to', 'Tour Guide');
  await frame.fill('#iban', 'DE89 3704 0044 0532 0130 00');
  await frame.fill('#amount', '12.34');
  await frame.selectOption('#from', 'joint');
  await Promise.all([frame.waitForSelector('#transfer-number'), frame.click('#transfer-submit')]);
  t.equal(await frame.textContent('#sent-amount'), '€12.34');
  t.equal(await frame.textContent('#sent-from'), 'Joint account');
  t.equal(gw.running.demo!.stats.transfers, before + 1, 'the transfer reached the bank once');

  await Promise.all([frame.waitForURL(`${gw.url}/cards`), frame.click('nav >> text=Cards')]);
  await frame.click('#tab-credit');
  await frame.waitForURL(`${gw.url}/cards/credit`);
  t.ok(await frame.isVisible('#panel-credit'), 'pushState tabs work behind the gateway');

  await Promise.all([frame.waitForURL(`${gw.url}/savings`), frame.click('nav >> text=Savings')]);
  await frame.click('#add-saving');
  await frame.click('#add-saving');
  t.equal(await frame.textContent('#click-count'), '2');

  await Promise.all([frame.waitForURL(`${gw.url}/loans`), frame.click('nav >> text=Loans')]);
  const calculator = await (await frame.waitForSelector('iframe#loan-calculator')).contentFrame();
  await calculator!.waitForSelector('#loan-years');
  t.equal(calculator!.url(), `${gw.url}/widgets/loan-calculator`, 'the child frame comes through the gateway too');
  await calculator!.selectOption('#loan-years', '10');
  await calculator!.waitForFunction(() => document.getElementById('loan-monthly')!.textContent === '€105.58');

  t.same(direct, [], 'no request went to the origin directly');
});
