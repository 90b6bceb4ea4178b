import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger, logUrl, logHeaders } from '../../../../gateway/ops/logger.js';

function capture() {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    raw: () => out,
  };
}

t.test('logger: query values are replaced, names and paths kept', async (t) => {
  t.equal(logUrl('/__tandem/hub?token=abc.def&since=3'), '/__tandem/hub?token=[redacted]&since=[redacted]');
  t.equal(logUrl('/plain/path'), '/plain/path');
  t.equal(logUrl('https://bank.example/a?flag#frag'), 'https://bank.example/a?flag');
  t.equal(logUrl('/a?x=1#h'), '/a?x=[redacted]');
  t.equal(logUrl(undefined), undefined);
});

t.test('logger: credentials in headers are censored, URLs in them cleaned', async (t) => {
  t.same(logHeaders({ Cookie: 'a=b', authorization: 'Bearer x', referer: '/p?q=1', accept: 'text/html' }), {
    Cookie: '[redacted]',
    authorization: '[redacted]',
    referer: '/p?q=[redacted]',
    accept: 'text/html',
  });
});

t.test('logger: secret-named fields and command data never reach the output', async (t) => {
  const c = capture();
  const log = createLogger('info', c.stream);
  log.info(
    {
      token: 'tok-1',
      password: 'pw-2',
      secret: 'sec-3',
      d: { value: 'typed-4' },
      cmd: { value: 'typed-5', token: 'tok-6' },
      url: '/x?token=tok-7',
      ok: 'kept',
    },
    'hello',
  );
  const raw = c.raw();
  for (const s of ['tok-1', 'pw-2', 'sec-3', 'typed-4', 'typed-5', 'tok-6', 'tok-7']) t.notOk(raw.includes(s), `${s} is not written`);
  const [line] = c.lines();
  t.match(line, { level: 'info', msg: 'hello', ok: 'kept', service: 'tandem', url: '/x?token=[redacted]' });
});

t.test('logger: the level is respected', async (t) => {
  const c = capture();
  const log = createLogger('warn', c.stream);
  log.info('not written');
  log.warn('written');
  t.same(
    c.lines().map((l) => l.msg),
    ['written'],
  );
});

t.test('logger: a nested headers object loses its cookie and authorization; clean objects are logged as given', async (t) => {
  const c = capture();
  const log = createLogger('info', c.stream);
  const clean = { a: 1, b: { c: 'kept' } };
  log.info(
    { upstream: { status: 200, headers: { cookie: 'c-8', authorization: 'a-9', 'set-cookie': 's-10', accept: 'text/html' } }, clean },
    'nested',
  );
  const raw = c.raw();
  for (const s of ['c-8', 'a-9', 's-10']) t.notOk(raw.includes(s), `${s} is not written`);
  const [line] = c.lines();
  t.match(line, { upstream: { status: 200, headers: { cookie: '[redacted]', accept: 'text/html' } }, clean: { a: 1, b: { c: 'kept' } } });
});
