/**
 * Co-browsing, masking: password, TANDEM_MASK, data-tandem-mask (values and text) and
 * payment-card fields never leave the customer's browser: not in the operator's mirror, not in
 * the session log, not in the address a GET form makes. Operators cannot type into them, not
 * even with forged actions, and a field once masked stays masked.
 */

import t from 'tap';
import type { Frame } from 'playwright-core';
import {
  callOperator,
  contentPath,
  eventually,
  openCustomer,
  openOperator,
  recordedNodeId,
  sameDocument,
  sessionLog,
  startSharingEnv,
  step,
  testTokens,
  until,
  valueOf,
  waitForContent,
  waitForStatus,
} from './helpers/sharing.js';
import { HubClient } from '../helpers/hub-client.js';

const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

/** Everything a mirror holds that a person or a script could read: text, values, attributes. */
const shownIn = (f: Frame) =>
  f.evaluate(() => {
    const out = [document.body.innerText, document.title];
    for (const el of Array.from(document.querySelectorAll('*'))) {
      const v = (el as HTMLInputElement).value;
      if (typeof v === 'string') out.push(v);
      if (el.childElementCount === 0) out.push(el.textContent ?? '');
      for (const a of Array.from(el.attributes)) out.push(a.value);
    }
    return out;
  });

t.test('sharing: masked fields never leave the customer and cannot be typed into by operators', async (t) => {
  const env = await startSharingEnv(t, { env: { TANDEM_MASK: '.ssn' } });
  const customer = await openCustomer(env, '/masked');
  const c = customer.content();
  // Typed before the call too: the first snapshot must leave it out.
  await c.fill('#pass', 'hunter2-secret');
  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  const o = () => operator.content();
  await waitForContent(operator, '#user');

  const secrets: [string, string][] = [
    ['#card', '4111111111111111'],
    ['#csc', '737'],
    ['#secret', 'tandem-mask-attr-value'],
    ['#ssn', 'ssn-selector-value'],
  ];
  for (const [sel, v] of secrets) {
    await c.click(sel);
    await customer.page.keyboard.type(v);
  }
  await c.click('#user');
  await customer.page.keyboard.type('bob');
  await until(() => valueOf(o(), '#user'), 'bob', 'unmasked field shared');
  const never = ['hunter2-secret', 'private note', ...secrets.map((s) => s[1])];

  await step(t, "the operator's mirror never holds a masked value or masked text", async () => {
    const shown = await shownIn(o());
    for (const v of never)
      t.notOk(
        shown.some((x) => x.includes(v)),
        `the mirror never holds ${v.slice(0, 6)}…`,
      );
  });
  for (const sel of ['#pass', ...secrets.map((s) => s[0])]) {
    t.equal(await valueOf(o(), sel), '', `${sel} is empty on the operator side`);
    t.ok(
      await o().$eval(sel, (el) => el.hasAttribute('data-tandem-masked') && (el as HTMLInputElement).readOnly),
      `${sel} is shown masked and read-only`,
    );
  }
  await step(t, 'the unmasked form is the customer page', () => sameDocument(customer, operator, '#g', { skipMasked: true }));

  await step(t, 'the operator cannot type into a masked field', async () => {
    await o().click('#pass', { force: true });
    await operator.page.keyboard.type('evil');
    await settle();
    t.equal(await valueOf(o(), '#pass'), '', 'nothing typed shows in the mirror');
    t.equal(await valueOf(c, '#pass'), 'hunter2-secret', "the customer's masked value is untouched");
  });

  await step(t, 'forged actions on a masked field are refused by the customer page', async () => {
    const mallory = await HubClient.connectReplayed(env.urls[0], testTokens.hub(call.id, 'o-mallory', 'operator', 'mallory', 60_000));
    t.teardown(() => mallory.close());
    // The replay holds the page's latest snapshot, whose ids the actions use.
    await settle(300);
    const pass = recordedNodeId(mallory.commands(), 'pass');
    const user = recordedNodeId(mallory.commands(), 'user');
    if (!pass || !user) throw new Error('the recorded snapshot names no #pass or #user');
    const act = (d: Record<string, unknown>) => mallory.send({ k: 'top/act', op: 'act', d });
    act({ type: 'value', sid: pass.sid, id: pass.id, value: 'overwritten' });
    act({ type: 'text', sid: pass.sid, id: pass.id, text: 'pasted' });
    act({ type: 'key', sid: pass.sid, id: pass.id, key: 'x', code: 'KeyX' });
    act({ type: 'key', sid: pass.sid, id: pass.id, key: 'Backspace', code: 'Backspace' });
    act({ type: 'value', sid: user.sid, id: user.id, value: 'after' });
    await until(() => valueOf(c, '#user'), 'after', 'the later action applied');
    await settle(300);
    t.equal(await valueOf(c, '#pass'), 'hunter2-secret', "the customer's masked value is untouched");
  });

  await step(t, 'a password field shown as text stays masked', async () => {
    await c.evaluate(() => ((document.getElementById('pass') as HTMLInputElement).type = 'text'));
    await c.click('#pass');
    await customer.page.keyboard.press('End');
    await customer.page.keyboard.type('xyzzy');
    await c.click('#user');
    await customer.page.keyboard.type('!');
    await until(() => valueOf(o(), '#user'), 'after!', 'later typing shared');
    const shown = await shownIn(o());
    t.notOk(
      shown.some((x) => x.includes('xyzzy') || x.includes('hunter2')),
      'the unmasked-looking field never shows its value in the mirror',
    );
  });

  await step(t, "a GET form's masked field never appears in the address", async () => {
    await c.click('#gq');
    await customer.page.keyboard.type('shoes');
    await c.click('#pin');
    await customer.page.keyboard.type('pin-4321');
    await c.click('#gget');
    await eventually(async () => (await contentPath(operator)).startsWith('/results'), 'operator on the results');
    await waitForContent(operator, '#results');
    t.notMatch(await contentPath(operator), /pin-4321/, "the operator's address leaves the masked value out");
    t.notMatch(await contentPath(customer), /pin-4321/, "the customer's toolbar too");
    t.match(await contentPath(operator), /q=shoes/, 'the unmasked field stays in the address');
    t.notOk(
      (await shownIn(o())).some((x) => x.includes('pin-4321')),
      'nor the mirror',
    );
  });

  // Every string the log holds (keys and data), so that a short secret like a CVC is not
  // confused with digits of a timestamp or a seq.
  const strings: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  for (const cmd of await sessionLog(env, call)) {
    collect([cmd.k, cmd.d]);
    // Recorded events travel as JSON text: look inside it too.
    const part = (cmd.d as { part?: unknown } | null)?.part;
    if (typeof part === 'string') strings.push(part);
  }
  for (const v of [...never, 'xyzzy', 'pin-4321'])
    t.notOk(
      strings.some((x) => x.includes(v)),
      `the session log never holds ${v.slice(0, 6)}…`,
    );
  t.ok(
    strings.some((x) => x.includes('bob')),
    'the log holds the unmasked value',
  );
});
