import t from 'tap';
import { deepFreeze, frozenCopy } from '../../../store/frozen.js';

t.test('frozen: a copy is deeply frozen and the original stays the caller’s', async (t) => {
  const original = { a: [1, { b: 'x' }], c: { d: null }, gone: undefined };
  const copy = frozenCopy(original);
  t.same(copy, { a: [1, { b: 'x' }], c: { d: null } });
  t.notOk('gone' in copy, 'undefined fields are left out, as JSON would');
  t.ok(Object.isFrozen(copy) && Object.isFrozen(copy.a) && Object.isFrozen(copy.a[1]) && Object.isFrozen(copy.c));
  original.a.push(2);
  t.same(copy.a, [1, { b: 'x' }]);
  t.notOk(Object.isFrozen(original));
});

t.test('frozen: absurdly deep data is refused instead of overflowing the stack', async (t) => {
  let deep: unknown = 0;
  for (let i = 0; i < 100; i++) deep = [deep];
  t.throws(() => frozenCopy(deep), TypeError);
});

t.test('frozen: deepFreeze freezes parsed data in place', async (t) => {
  const parsed = JSON.parse('{"seq":1,"d":{"points":[[1,2]]}}') as { d: { points: number[][] } };
  t.equal(deepFreeze(parsed), parsed);
  t.ok(Object.isFrozen(parsed.d.points[0]));
});
