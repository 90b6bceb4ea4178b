import t, { type Test } from 'tap';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { startDemoSite, type DemoSite } from '../../demo/site.js';

let site: DemoSite;
let browser: Browser;
t.before(async () => {
  site = await startDemoSite();
  browser = await launchChromium();
});
t.teardown(async () => {
  await browser?.close();
  await site?.close();
});

/** A fresh page that fails the test on any script error of the site. */
async function open(t: Test, path: string): Promise<Page> {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  page.on('pageerror', (err) => t.fail(`page error: ${err.message}`));
  await page.goto(site.url + path);
  return page;
}

t.test('demo in a browser: logging in through the form lands on the page asked for', async (t) => {
  const page = await open(t, '/transfer');
  t.match(page.url(), /\/login\?next=%2Ftransfer$/);
  await page.fill('#username', 'demo');
  await page.fill('#password', 'demo');
  await page.click('#login-submit');
  await page.waitForURL(/\/transfer$/);
  t.equal(await page.textContent('#signed-in-user'), 'demo');
  t.equal(await page.inputValue('#date'), new Date().toISOString().slice(0, 10), 'the execution date defaults to today');
});

t.test('demo in a browser: the savings button counts clicks in the page', async (t) => {
  const page = await open(t, '/savings');
  for (let i = 0; i < 3; i++) await page.click('#add-saving');
  t.equal(await page.textContent('#click-count'), '3');
  t.equal(await page.textContent('#saving-total'), '€30');
});

t.test('demo in a browser: card tabs change the address with pushState, and Back restores the tab', async (t) => {
  const page = await open(t, '/cards');
  const before = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  await page.click('#tab-virtual');
  t.match(page.url(), /\/cards\/virtual$/);
  t.ok(await page.isVisible('#panel-virtual'));
  t.notOk(await page.isVisible('#panel-debit'));
  t.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), before, 'no page load happened');
  await page.goBack();
  await page.waitForURL(/\/cards$/);
  await page.waitForFunction(() => !document.getElementById('panel-debit')!.hidden);
  t.notOk(await page.isVisible('#panel-virtual'));
});

t.test('demo in a browser: the framed loan calculator recomputes the payment', async (t) => {
  const page = await open(t, '/loans');
  const frame = await (await page.waitForSelector('iframe#loan-calculator')).contentFrame();
  t.ok(frame, 'the calculator is a child frame');
  await frame!.waitForSelector('#loan-monthly');
  await frame!.selectOption('#loan-years', '10');
  await frame!.waitForFunction(() => document.getElementById('loan-monthly')!.textContent === '€105.58');
  await frame!.$eval('#loan-amount', (el) => {
    (el as HTMLInputElement).value = '20000';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  t.equal(await frame!.textContent('#loan-monthly'), '€211.15');
  t.equal(await frame!.textContent('#loan-amount-shown'), '€20000');
});

t.test('demo in a browser: the contenteditable notes are saved with the profile', async (t) => {
  const page = await open(t, '/login?next=%2Fprofile');
  await page.fill('#username', 'demo');
  await page.fill('#password', 'demo');
  await page.click('#login-submit');
  await page.waitForURL(/\/profile$/);
  await page.click('#notes');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Typed in the notes');
  await page.fill('#cardNumber', '4000 0000 0000 0002');
  await Promise.all([page.waitForURL(/\/profile$/), page.click('#profile-submit')]);
  await page.waitForSelector('#profile-saved');
  t.equal(await page.textContent('#saved-notes'), 'Typed in the notes');
  t.equal(await page.textContent('#saved-card'), '•••• •••• •••• 0002');
});

t.test('demo in a browser: the inner message box scrolls on its own', async (t) => {
  const page = await open(t, '/login?next=%2Faccount');
  await page.fill('#username', 'demo');
  await page.fill('#password', 'demo');
  await page.click('#login-submit');
  await page.waitForURL(/\/account$/);
  const box = await page.$eval('#inbox', (el) => ({
    scroll: el.scrollHeight,
    client: el.clientHeight,
    overflow: getComputedStyle(el).overflowY,
  }));
  t.equal(box.overflow, 'auto');
  t.ok(box.scroll > box.client * 2, 'the message list is taller than its box');
  t.ok(await page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight * 2), 'the page itself scrolls too');
});
