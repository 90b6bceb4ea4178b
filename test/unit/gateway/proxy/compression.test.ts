import t from 'tap';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { brotliCompressSync, gzipSync, deflateSync } from 'node:zlib';
import { chooseEncoding, decodableCoding, decoder, encoder, originAcceptEncoding } from '../../../../gateway/proxy/compression.js';

t.test('compression: the origin is only offered codings we can decode', async (t) => {
  t.equal(originAcceptEncoding('gzip, deflate, br, zstd'), 'br, gzip, deflate');
  t.equal(originAcceptEncoding('zstd'), 'identity');
  t.equal(originAcceptEncoding(undefined), 'identity');
  t.equal(originAcceptEncoding('gzip;q=0, br'), 'br');
  t.equal(originAcceptEncoding('*'), 'br, gzip, deflate');
});

t.test('compression: the client gets br, else gzip, else identity', async (t) => {
  t.equal(chooseEncoding('gzip, deflate, br, zstd'), 'br');
  t.equal(chooseEncoding('gzip'), 'gzip');
  t.equal(chooseEncoding('br;q=0, gzip'), 'gzip');
  t.equal(chooseEncoding(''), null);
  t.equal(chooseEncoding('identity'), null);
});

t.test('compression: content codings we can and cannot decode', async (t) => {
  t.equal(decodableCoding(undefined), 'identity');
  t.equal(decodableCoding('GZIP'), 'gzip');
  t.equal(decodableCoding('x-gzip'), 'gzip');
  t.equal(decodableCoding('br'), 'br');
  t.equal(decodableCoding('zstd'), null);
  t.equal(decodableCoding('gzip, br'), null);
});

t.test('compression: decode and encode round-trip', async (t) => {
  const text = Buffer.from('<p>hello</p>'.repeat(1000));
  for (const [coding, packed] of [
    ['gzip', gzipSync(text)],
    ['deflate', deflateSync(text)],
    ['br', brotliCompressSync(text)],
  ] as const) {
    const chunks: Buffer[] = [];
    await pipeline(Readable.from([packed]), decoder(coding), encoder(coding), decoder(coding), async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) chunks.push(c);
    });
    t.same(Buffer.concat(chunks), text, coding);
  }
});
