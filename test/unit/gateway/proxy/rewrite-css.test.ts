import t from 'tap';
import { Readable } from 'node:stream';
import { CssRewriter, createCssRewriteStream, cssUnescape, rewriteCss } from '../../../../gateway/proxy/rewrite-css.js';
import { createOriginMap } from '../../../../protocol/url-map.js';

const map = createOriginMap('https://bank.example', ['https://static.bank.example']);
const ctx = { map, baseUrl: 'https://static.bank.example/css/site.css' };
const css = (s: string): string => rewriteCss(s, ctx);

t.test('rewrite-css: url() and @import pointing at configured origins are mapped', async (t) => {
  const rows: [string, string][] = [
    ['a{background:url(https://bank.example/a.png)}', 'a{background:url("/a.png")}'],
    ['a{background:url("https://bank.example/a.png")}', 'a{background:url("/a.png")}'],
    ["a{background:url('https://bank.example/a.png')}", 'a{background:url("/a.png")}'],
    ['a{background:URL( https://bank.example/a.png )}', 'a{background:URL("/a.png")}'],
    ['a{background:url(  "https://bank.example/a.png"  )}', 'a{background:url("/a.png")}'],
    ['a{background:url(/img/a.png)}', 'a{background:url("/__tandem/o/https/static.bank.example/img/a.png")}'],
    ['a{background:url(img/a.png)}', 'a{background:url(img/a.png)}'],
    ['a{background:url(../../../../up.png)}', 'a{background:url("/__tandem/o/https/static.bank.example/up.png")}'],
    ['a{background:url(//bank.example/p.png)}', 'a{background:url("/p.png")}'],
    ['a{background:url(https://cdn.example/a.png)}', 'a{background:url(https://cdn.example/a.png)}'],
    ['a{background:url(data:image/png;base64,AAAA)}', 'a{background:url(data:image/png;base64,AAAA)}'],
    ['a{background:url(#svg-filter)}', 'a{background:url(#svg-filter)}'],
    ['a{background:url()}', 'a{background:url()}'],
    ['@import "https://bank.example/x.css";', '@import "/x.css";'],
    ["@import 'https://bank.example/x.css' screen;", '@import "/x.css" screen;'],
    ['@import url(https://bank.example/x.css);', '@import url("/x.css");'],
    ['@IMPORT url("https://bank.example/x.css") layer(a);', '@IMPORT url("/x.css") layer(a);'],
    ['@import "https://cdn.example/x.css";', '@import "https://cdn.example/x.css";'],
    ['a{background:url(https\\3a //bank.example/esc.png)}', 'a{background:url("/esc.png")}'],
    ['a{background:url(https://bank.example/a\\).png)}', 'a{background:url("/a).png")}'],
    ['a{background:url("https://bank.example/q\\"uote.png")}', 'a{background:url("/q%22uote.png")}'],
    [
      'a{background-image:image-set("https://bank.example/a.png" 1x, url(https://bank.example/b.png) 2x, "c.avif" type("image/avif"))}',
      'a{background-image:image-set("/a.png" 1x, url("/b.png") 2x, "c.avif" type("image/avif"))}',
    ],
    [
      "b{background:-webkit-image-set('https://static.bank.example/x.png' 1x)} c{content:'https://bank.example/not-a-url'}",
      'b{background:-webkit-image-set("/__tandem/o/https/static.bank.example/x.png" 1x)} c{content:\'https://bank.example/not-a-url\'}',
    ],
    [
      '@font-face{src:url(https://bank.example/f.woff2) format("woff2"),url(https://bank.example/f.woff) format("woff")}',
      '@font-face{src:url("/f.woff2") format("woff2"),url("/f.woff") format("woff")}',
    ],
  ];
  for (const [input, expected] of rows) t.equal(css(input), expected, input);
});

t.test('rewrite-css: comments, strings and look-alikes are left alone', async (t) => {
  const same = [
    '/* url(https://bank.example/c.png) */ a{}',
    'a{content:"url(https://bank.example/s.png)"}',
    'a{content:\'@import "https://bank.example/x.css"\'}',
    'a{background:myurl(https://bank.example/m.png)}',
    'a{background:url(https://bank.example/bad url.png)}',
    'a{background:url(https://bank.example/a"b.png)}',
    'a{background:url("https://bank.example/unterminated\n)}',
    'a{b:c} /* unterminated comment url(https://bank.example/x)',
    'a{background:url(https://bank.example/never-closed',
  ];
  for (const input of same) t.equal(css(input), input, JSON.stringify(input));
});

t.test('rewrite-css: every split position gives the output of one chunk', async (t) => {
  const input = `@import "https://bank.example/a.css"; /* url(https://bank.example/c) */
.x{background:url( 'https://static.bank.example/i.png' ) no-repeat, URL(https://bank.example/j\\).png)}
.y::before{content:"url(https://bank.example/s)"} .z{background:url(/root.png)} @import url(https://bank.example/b.css);
.w{background:image-set("https://bank.example/w.png" 1x, "https://bank.example/w2.png" type("image/png") 2x)} .v{content:"https://bank.example/v"}`;
  const whole = css(input);
  t.match(whole, /url\("\/__tandem\/o\/https\/static\.bank\.example\/i\.png"\)/);
  t.match(whole, /image-set\("\/w\.png" 1x, "\/w2\.png" type\("image\/png"\) 2x\)} \.v\{content:"https:\/\/bank\.example\/v"\}/);
  for (let i = 0; i <= input.length; i++) {
    const r = new CssRewriter(ctx);
    const out = r.write(input.slice(0, i)) + r.write(input.slice(i)) + r.end();
    if (out !== whole) {
      t.equal(out, whole, `split at ${i}`);
      return;
    }
  }
  const r = new CssRewriter(ctx);
  let out = '';
  for (const ch of input) out += r.write(ch);
  t.equal(out + r.end(), whole, 'one char a chunk');
});

t.test('rewrite-css: a text/css body streams through the Transform', async (t) => {
  const body = Buffer.concat([
    Buffer.from('a{background:url(https://bank.example/é.png)} ', 'utf8'),
    Buffer.from('b{content:"\xff"}', 'latin1'),
  ]);
  const chunks: Buffer[] = [];
  for await (const c of Readable.from([body.subarray(0, 10), body.subarray(10)]).pipe(createCssRewriteStream(ctx)))
    chunks.push(c as Buffer);
  const out = Buffer.concat(chunks);
  t.ok(
    out.equals(Buffer.from('a{background:url("/%C3%A9.png")} b{content:"\xff"}', 'latin1')),
    'UTF-8 in a URL is mapped; an invalid byte elsewhere passes through',
  );
});

t.test('rewrite-css: cssUnescape decodes hex and character escapes', async (t) => {
  t.equal(cssUnescape('a\\62 c'), 'abc');
  t.equal(cssUnescape('\\68ttps\\3a\\2f\\2f x'), 'https://x');
  t.equal(cssUnescape('a\\)b'), 'a)b');
  t.equal(cssUnescape('\\0'), '\ufffd');
});
