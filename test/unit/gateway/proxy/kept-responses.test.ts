import t from 'tap';
import type { IncomingMessage } from 'node:http';
import { isFormSubmission, KeptResponses, keptIdOf, MAX_KEPT_BYTES } from '../../../../gateway/proxy/kept-responses.js';
import { createStore } from '../../../../store/index.js';

t.test('kept-responses: only form submissions (POST navigations) are kept', async (t) => {
  const req = (method: string, headers: Record<string, string>): IncomingMessage => ({ method, headers }) as unknown as IncomingMessage;
  t.ok(isFormSubmission(req('POST', { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' })));
  t.ok(isFormSubmission(req('POST', { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })));
  t.notOk(isFormSubmission(req('POST', { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' })), 'fetch() POST');
  t.notOk(isFormSubmission(req('GET', { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' })));
});

t.test('kept-responses: the kept id is read from the query', async (t) => {
  t.equal(keptIdOf('/thanks?__tandem_kept=abcdefghij12&x=1'), 'abcdefghij12');
  t.equal(keptIdOf('/thanks?__tandem_kept=short'), null);
  t.equal(keptIdOf('/thanks?__tandem_kept=../../etc'), null);
  t.equal(keptIdOf('/thanks'), null);
});

t.test('kept-responses: a kept copy is for its session only, and waits for a body in progress', async (t) => {
  const store = await createStore({});
  t.teardown(() => store.close());
  const kept = new KeptResponses(store.directory, 60_000);
  const rec = await kept.start({
    session: 's1',
    status: 200,
    headers: { 'content-type': 'text/html' },
    url: 'https://bank.example/submit',
  });
  t.equal((await kept.lookup(rec.id, 's2')).kind, 'other-session');
  const waiting = kept.lookup(rec.id, 's1');
  rec.add(Buffer.from('<p>thanks'));
  rec.add(Buffer.from('</p>'));
  await rec.finish();
  const found = await waiting;
  t.equal(found.kind, 'found');
  if (found.kind === 'found') {
    t.equal(found.response.body.toString(), '<p>thanks</p>');
    t.equal(found.response.status, 200);
    t.same(found.response.headers, { 'content-type': 'text/html' });
  }
  t.equal((await kept.lookup('nosuchid1234', 's1')).kind, 'missing');

  const big = await kept.start({ session: 's1', status: 200, headers: {}, url: 'https://bank.example/x' });
  big.add(Buffer.alloc(MAX_KEPT_BYTES + 1));
  await big.finish();
  t.equal((await kept.lookup(big.id, 's1')).kind, 'missing', 'too large to keep');

  const broken = await kept.start({ session: 's1', status: 200, headers: {}, url: 'https://bank.example/x' });
  broken.add(Buffer.from('half'));
  await broken.abort();
  t.equal((await kept.lookup(broken.id, 's1')).kind, 'missing', 'a body cut off is not kept');
});
