import t from 'tap';
import { CONTROL_KEY, controlMessage, grantIn, grantOf, operatorHasControl, refusal } from '../../../../gateway/hub/control.js';
import type { LoggedCommand } from '../../../../protocol/messages.js';

t.test('control: who holds control under each mode', async (t) => {
  t.equal(operatorHasControl('always', false), true);
  t.equal(operatorHasControl('ask', false), false);
  t.equal(operatorHasControl('ask', true), true);
  t.equal(operatorHasControl('never', true), false);
});

t.test('control: operators need control to scroll, never to point; customers always may', async (t) => {
  t.equal(refusal('operator', 'scroll', 'top/scroll', 'always', false), null);
  t.equal(refusal('operator', 'scroll', 'top/scroll', 'ask', false)?.code, 'no_control');
  t.equal(refusal('operator', 'scroll', 'top/scroll', 'ask', true), null);
  t.match(refusal('operator', 'scroll', 'top/scroll', 'never', true), { code: 'no_control', message: /may not/ });
  t.equal(refusal('operator', 'pointer', 'top/pointer/o', 'never', false), null);
  t.equal(refusal('customer', 'scroll', 'top/scroll', 'never', false), null);
});

t.test('control: customer-only ops and the control key', async (t) => {
  t.equal(refusal('operator', 'control', CONTROL_KEY, 'always', false)?.code, 'forbidden');
  t.equal(refusal('customer', 'control', CONTROL_KEY, 'ask', false), null);
  t.equal(refusal('customer', 'control', 'top/control', 'ask', false)?.code, 'bad_key');
  t.equal(refusal('operator', 'snapshot', 'top/snapshot', 'always', false)?.code, 'forbidden');
});

t.test('control: the grant is read from control commands; the latest wins; malformed counts as none', async (t) => {
  const cmd = (d: unknown, k = CONTROL_KEY, op = 'control') => ({ seq: 1, k, op, a: 'all', d, by: 'c', t: 0 }) as unknown as LoggedCommand;
  t.equal(grantOf(cmd({ granted: true })), true);
  t.equal(grantOf(cmd({ granted: 'yes' })), false);
  t.equal(grantOf(cmd({ granted: true }, 'top/control')), null);
  t.equal(grantOf(cmd({ x: 1, y: 2 }, 'top/scroll', 'scroll')), null);
  t.equal(grantIn([cmd({ granted: true }), cmd({ x: 1, y: 2 }, 'top/scroll', 'scroll'), cmd({ granted: false })]), false);
  t.equal(grantIn([cmd({ granted: false }), cmd({ granted: true })]), true);
  t.same(JSON.parse(controlMessage('ask', true)), { type: 'control', granted: true, mode: 'ask' });
});
