/**
 * Element keys, run in Chromium: the same element gets the same key in two copies of a page
 * that differ a little (an extra banner, Tandem's own overlays), and a key resolves back to it.
 */

import t from 'tap';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../../helpers/browser.js';

const SOURCE = fileURLToPath(new URL('../../../../../inject/hooks/element-key.ts', import.meta.url));

/** What the bundle exposes as the global EK in the test page. */
interface ElementKeys {
  elementKey(el: Element): string | null;
  resolveElementKey(doc: Document, key: string): Element | null;
}

const PAGE = `<!doctype html><html><head><title>k</title></head><body>
<div id="main"><p>one</p><p><span>two</span><b>bold</b></p></div>
<form id="f1"><input name="email"><input type="radio" name="c" value="r"><input type="radio" name="c" value="g">
<input type="checkbox" name="opt" value="1"><input type="checkbox" name="opt" value="2"><button>Go</button></form>
<form><input name="email"><input name="dup"><input name="dup"></form>
<input name="loose"><ul><li>a</li><li>b</li></ul>
</body></html>`;

t.test('element-key: keys by id, by name within a form, and by structural path', async (t) => {
  const bundle = await build({ entryPoints: [SOURCE], bundle: true, write: false, format: 'iife', globalName: 'EK' });
  const code = bundle.outputFiles[0].text;
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.newPage();

  const load = async (p: Page, html: string) => {
    await p.setContent(html);
    await p.addScriptTag({ content: code });
  };
  const keys = (p: Page) =>
    p.evaluate(() => {
      const ek = (window as unknown as { EK: ElementKeys }).EK;
      const out: Record<string, string | null> = {};
      const pick: [string, Element][] = [
        ['main', document.getElementById('main')!],
        ['span', document.querySelector('#main span')!],
        ['email0', document.forms[0].elements.namedItem('email') as Element],
        ['email1', document.forms[1].elements.namedItem('email') as Element],
        ['radio-g', document.querySelector('input[value=g]')!],
        ['check-2', document.querySelector('input[name=opt][value="2"]')!],
        ['dup-2', document.forms[1].querySelectorAll('input[name=dup]')[1]],
        ['button', document.querySelector('#f1 button')!],
        ['loose', document.querySelector('input[name=loose]')!],
        ['li-b', document.querySelectorAll('li')[1]],
        ['body', document.body],
      ];
      for (const [name, el] of pick) {
        const k = ek.elementKey(el);
        out[name] = k;
        out[name + ':back'] = k !== null && ek.resolveElementKey(document, k) === el ? 'ok' : 'MISMATCH';
      }
      return out;
    });

  await load(page, PAGE);
  const a = await keys(page);
  t.equal(a.main, '#main', 'a unique id is the key');
  t.equal(a.span, '#main>1>0', 'a path from the nearest ancestor with an id');
  t.equal(a.email0, '@0:email', 'a name within its form');
  t.equal(a.email1, '@1:email', 'the same name in another form is another key');
  t.equal(a['radio-g'], '@0:c=g', 'radios sharing a name are told apart by value');
  t.equal(a['check-2'], '@0:opt=2', 'checkboxes sharing a name are told apart by value');
  t.equal(a['dup-2'], '>2>2', 'duplicate names fall back to a structural path');
  t.equal(a.loose, '@-:loose', 'a formless control by name');
  t.equal(a.body, 'body');
  for (const [k, v] of Object.entries(a)) if (k.endsWith(':back')) t.equal(v, 'ok', `${k.slice(0, -5)} resolves back to the same element`);

  // The operator's copy: Tandem overlays added to body and documentElement, a changed head.
  const other = PAGE.replace('<title>k</title>', '<title>k</title><meta name="x" content="y"><script></script>').replace(
    '<ul>',
    '<div data-tandem="pointer"></div><ul>',
  );
  await load(page, other);
  await page.evaluate(() => {
    const o = document.createElement('div');
    o.setAttribute('data-tandem', 'ink');
    document.body.insertBefore(o, document.body.firstChild);
  });
  const b = await keys(page);
  t.same(b, a, 'the same keys on a copy with a different head and Tandem overlays');

  const none = await page.evaluate(() => {
    const ek = (window as unknown as { EK: ElementKeys }).EK;
    return [
      ek.elementKey(document.querySelector('[data-tandem="pointer"]')!),
      ek.resolveElementKey(document, '>99>1'),
      ek.resolveElementKey(document, '#nope'),
    ];
  });
  t.same(none, [null, null, null], "Tandem's own elements have no key; unknown keys resolve to nothing");
});
