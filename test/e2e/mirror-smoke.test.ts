import t from 'tap';
import { startSharingEnv, openCustomer, callOperator, openOperator, eventually } from './helpers/sharing.js';

t.test('mirror smoke', async (t) => {
  const env = await startSharingEnv(t);
  const c = await openCustomer(env, '/fields');
  c.page.on('console', (m) => console.log('C:', m.text()));
  const call = await callOperator(c);
  const o = await openOperator(env, call);
  o.page.on('console', (m) => console.log('O:', m.text()));
  await eventually(
    async () => o.page.mainFrame().childFrames().length === 1 && (await o.content().$('#counter')) !== null,
    'mirror has the page',
    15000,
  );
  const txt = await o.content().evaluate(() => document.querySelector('#counter')!.textContent);
  t.equal(txt, '0');
  await o.content().click('#count');
  await eventually(async () => (await c.content().textContent('#counter')) === '1', 'customer counter 1');
  await eventually(async () => (await o.content().textContent('#counter')) === '1', 'mirror counter 1');
  await c.content().fill('#text', 'hello');
  await eventually(async () => (await o.content().inputValue('#text')) === 'hello', 'mirror value');
  await o.content().click('#area');
  await o.page.keyboard.type('from op');
  await eventually(async () => (await c.content().inputValue('#area')) === 'from op', 'customer textarea');
  await o.page.screenshot({ path: '/tmp/op.png' });
});

t.test('mirror: Tab moves the focus on both sides, and the next keys go there', async (t) => {
  const env = await startSharingEnv(t);
  const c = await openCustomer(env, '/fields');
  const call = await callOperator(c);
  const o = await openOperator(env, call);
  await eventually(
    async () => o.page.mainFrame().childFrames().length === 1 && (await o.content().$('#text')) !== null,
    'mirror has the page',
    15000,
  );
  await o.content().click('#text');
  await o.page.keyboard.type('ab');
  await o.page.keyboard.press('Tab');
  await eventually(async () => (await c.content().evaluate(() => document.activeElement?.id)) === 'email', 'customer focus on #email');
  await eventually(async () => (await o.content().evaluate(() => document.activeElement?.id)) === 'email', 'mirror focus on #email');
  await o.page.keyboard.type('x@y.z');
  await eventually(async () => (await c.content().inputValue('#email')) === 'x@y.z', 'customer #email typed');
  t.equal(await c.content().inputValue('#text'), 'ab');
});
