/**
 * The scripted activity of bench/sync's recorder figure: what a customer does for some seconds on
 * Node-RED's flow editor (filter the palette, drag a node there and back, scroll the workspace)
 * or on the bench's 1 MB page (type, press the counter, scroll), with the real mouse and keyboard.
 */

import { sleep, type Tab } from './sync-env.js';

/** Node-RED's editor: filter the palette, drag a node there and back, scroll the workspace. */
export async function nodeRedActivity(t: Tab, seconds: number): Promise<void> {
  const c = t.content();
  const end = performance.now() + seconds * 1000;
  const search = c.locator('#red-ui-palette-search input').first();
  for (let i = 0; performance.now() < end; i++) {
    await search.click();
    await t.page.keyboard.type(['inj', 'deb', 'fun', 'cha'][i % 4], { delay: 60 });
    await sleep(150);
    await t.page.keyboard.press('Control+A');
    await t.page.keyboard.press('Backspace');
    const node = (await c.locator('#inject1 rect.red-ui-flow-node').boundingBox())!;
    const x = node.x + node.width / 2;
    const y = node.y + node.height / 2;
    await t.page.mouse.move(x, y);
    await t.page.mouse.down();
    const dx = i % 2 ? -60 : 60;
    await t.page.mouse.move(x + dx / 2, y + 20, { steps: 5 });
    await t.page.mouse.move(x + dx, y, { steps: 5 });
    await t.page.mouse.up();
    await sleep(150);
    await t.page.mouse.move(x + dx + 150, y + 150);
    for (let k = 0; k < 4; k++) {
      await t.page.mouse.wheel(0, k < 2 ? 80 : -80);
      await sleep(60);
    }
  }
}

/** The bench's heavy page: type, click the counter, scroll. */
export async function heavyActivity(t: Tab, seconds: number): Promise<void> {
  const c = t.content();
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    await c.click('#text');
    await t.page.keyboard.type('abcdef', { delay: 60 });
    await c.click('#count');
    for (let k = 0; k < 4; k++) {
      await t.page.mouse.wheel(0, k < 2 ? 300 : -300);
      await sleep(60);
    }
  }
}
