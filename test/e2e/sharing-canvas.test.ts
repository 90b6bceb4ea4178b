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

/** The colour of a canvas's middle pixel (the customer's page or the mirror), as `r,g,b,a`; '' when there is none. */
const pixel = (f: Frame, id: string): Promise<string> =>
  f.evaluate((sel) => {
    const c = document.getElementById(sel) as HTMLCanvasElement | null;
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
    eventually(async () => (await pixel(operator.content(), 'c1')) === '255,0,0,255', 'the red canvas in the mirror'),
  );
  await step(t, 'a canvas a script adds later', async () => {
    await c.click('#draw');
    t.equal(await pixel(c, 'c2'), '0,0,255,255', "the customer's new canvas is blue");
    await eventually(async () => (await pixel(operator.content(), 'c2')) === '0,0,255,255', 'the blue canvas in the mirror');
  });
});
