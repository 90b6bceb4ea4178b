import t, { type Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCookies, readForm, safeNext, send, type FormData as DemoForm } from '../../../demo/http-util.js';

/** Posts a body to a one-shot server that parses it with readForm. */
async function roundTrip(t: Test, body: BodyInit, headers: Record<string, string> = {}): Promise<DemoForm> {
  let parsed!: DemoForm;
  const server = http.createServer((req, res) => {
    readForm(req, 1 << 20).then(
      (form) => {
        parsed = form;
        res.end('ok');
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', body, headers });
  t.equal(res.status, 200);
  await res.text();
  return parsed;
}

t.test('demo http: urlencoded forms keep every value of a repeated name', async (t) => {
  const form = await roundTrip(t, 'a=1&b=x+y&a=2&c=%C3%A9', { 'content-type': 'application/x-www-form-urlencoded' });
  t.same(form.all('a'), ['1', '2']);
  t.equal(form.get('b'), 'x y');
  t.equal(form.get('c'), 'é');
  t.equal(form.get('missing'), '');
});

t.test('demo http: multipart forms give fields and the name and size of files', async (t) => {
  const body = new FormData();
  body.append('name', 'Zoë');
  body.append('multi', 'one');
  body.append('multi', 'two\r\nlines');
  body.append('file', new Blob([new Uint8Array(1000).fill(45)]), 'dash--dash.bin');
  body.append('empty', new Blob([]), '');
  const form = await roundTrip(t, body);
  t.equal(form.get('name'), 'Zoë');
  t.same(form.all('multi'), ['one', 'two\r\nlines']);
  t.same(form.files.get('file'), { filename: 'dash--dash.bin', size: 1000, type: 'application/octet-stream' });
  t.notOk(form.files.has('empty'), 'a file input left empty is no file');
});

t.test('demo http: cookies are parsed and a malformed one does not break the rest', async (t) => {
  const cookies = parseCookies('a=1; demo_session=abc; bad=%E0%A4%A; b = two');
  t.equal(cookies.get('demo_session'), 'abc');
  t.equal(cookies.get('b'), 'two');
  t.notOk(cookies.has('bad'));
  t.equal(parseCookies(undefined).size, 0);
});

t.test('demo http: only same-site paths are followed after login', async (t) => {
  t.equal(safeNext('/transfer?x=1'), '/transfer?x=1');
  for (const bad of [null, '', 'account', '//evil.example', '/\\evil.example', 'https://evil.example/'])
    t.equal(safeNext(bad), '/account', String(bad));
});

t.test('demo http: gzip is used only when the client accepts it', async (t) => {
  const server = http.createServer((req, res) => send(req, res, 200, 'text/html', 'x'.repeat(5000)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const encodingFor = (acceptEncoding: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1', headers: { 'accept-encoding': acceptEncoding } }, (res) => {
          res.resume();
          resolve(res.headers['content-encoding']);
        })
        .on('error', reject);
    });
  t.equal(await encodingFor('gzip, deflate, br'), 'gzip');
  t.equal(await encodingFor('identity'), undefined);
  t.equal(await encodingFor('gzip;q=0, deflate'), undefined);
});
