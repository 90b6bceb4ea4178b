/**
 * Co-browsing, canvas: what the customer's page draws on a canvas shows in the operator's
 * mirror, for a canvas of the page as it loaded and for one a script adds later (recording
 * canvas frames starts once a page has a canvas).
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import {
  callOperator,
  eventually,
  openCustomer,
  openOperator,
  startSharingEnv,
  step,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';

/** The colour of a canvas's middle pixel, as `r,g,b,a`; '' when there is no such canvas. */
const pixel = (f: Frame, id: string): Promise<string> =>
  f.evaluate((sel) => {
    const c = document.getElementById(sel) as HTMLCanvasElement | null;
    if (!c) return '';
    const d = c.getContext('2d')!.getImageData(c.width >> 1, c.height >> 1, 1, 1).data;
    return Array.from(d).join(',');
  }, id);

/** The same, read by the operator's shell in its mirror (no script runs inside the mirror). */
const mirrorPixel = (page: import('playwright-core').Page, id: string): Promise<string> =>
  page.evaluate((sel) => {
    const doc = (document.querySelector('[data-tandem="content"]') as HTMLIFrameElement | null)?.contentDocument;
    const c = doc?.getElementById(sel) as HTMLCanvasElement | null;
    if (!c) return '';
    const d = c.getContext('2d')!.getImageData(c.width >> 1, c.height >> 1, 1, 1).data;
    return Array.from(d).join(',');
  }, id);

t.test("sharing: the customer's canvases show in the mirror", async (t) => {
  const env = await startSharingEnv(t);
  const customer = await openCustomer(env, '/canvas');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await waitForContent(operator, '#c1');
  const c = customer.content();
  t.equal(await pixel(c, 'c1'), '255,0,0,255', "the customer's canvas is red");

  await step(t, 'a canvas of the page as it loaded', () =>
    eventually(async () => (await mirrorPixel(operator.page, 'c1')) === '255,0,0,255', 'the red canvas in the mirror'),
  );
  await step(t, 'a canvas a script adds later', async () => {
    await c.click('#draw');
    t.equal(await pixel(c, 'c2'), '0,0,255,255', "the customer's new canvas is blue");
    await eventually(async () => (await mirrorPixel(operator.page, 'c2')) === '0,0,255,255', 'the blue canvas in the mirror');
  });
});
