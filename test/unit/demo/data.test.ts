import t from 'tap';
import { euros, history, parseAmount } from '../../../demo/data.js';

t.test('demo data: amounts are read the ways people type them, in cents', async (t) => {
  t.equal(parseAmount('25'), 2500);
  t.equal(parseAmount('25.5'), 2550);
  t.equal(parseAmount('25,50'), 2550);
  t.equal(parseAmount(' 1,234.05 '), 123405);
  t.equal(parseAmount('1 000'), 100000);
});

t.test('demo data: anything that is not a positive amount of money is refused', async (t) => {
  for (const bad of ['', '0', '0.00', '-3', '1.234', 'ten', '1e3', '12.', '.5']) t.ok(Number.isNaN(parseAmount(bad)), JSON.stringify(bad));
});

t.test('demo data: euros are shown with thousands separators and a real minus sign', async (t) => {
  t.equal(euros(0), '€0.00');
  t.equal(euros(5), '€0.05');
  t.equal(euros(123456789), '€1,234,567.89');
  t.equal(euros(-112000), '−€1,120.00');
});

t.test('demo data: the history is the same every time, newest first', async (t) => {
  const a = history();
  t.same(a, history());
  t.equal(a.length, 60);
  const dates = a.map((x) => x.date);
  t.same(dates, [...dates].sort().reverse());
});
