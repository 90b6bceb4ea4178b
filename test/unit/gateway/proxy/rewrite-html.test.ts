import t from 'tap';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { HtmlRewriter, createHtmlRewriteStream, rewriteHtml, type HtmlRewriteOptions } from '../../../../gateway/proxy/rewrite-html.js';
import { hookTag } from '../../../../gateway/proxy/inject-tag.js';
import { rewritePlainCss } from '../../../../gateway/proxy/html-style.js';
import { rewriteCss } from '../../../../gateway/proxy/rewrite-css.js';
import { createOriginMap } from '../../../../protocol/url-map.js';

const map = createOriginMap('https://bank.example', ['https://static.bank.example']);
const HOOK = '<script src="/__tandem/assets/hooks.js" data-tandem-hooks></script>';
const opts: HtmlRewriteOptions = { map, pageUrl: 'https://bank.example/acc/list', inject: null, gatewayHttps: false };
const withHook: HtmlRewriteOptions = { ...opts, inject: HOOK };
const rw = (html: string, o: HtmlRewriteOptions = opts): string => rewriteHtml(html, o);

/** Runs byte chunks through the rewriter as the proxy does (latin1 byte strings). */
function rewriteChunks(chunks: Buffer[], o: HtmlRewriteOptions): Buffer {
  const r = new HtmlRewriter(o);
  let out = '';
  for (const c of chunks) out += r.write(c.toString('latin1'));
  out += r.end();
  return Buffer.from(out, 'latin1');
}

t.test('rewrite-html: every URL attribute pointing at a configured origin is mapped', async (t) => {
  const rows: [string, string][] = [
    ['<a href="https://bank.example/x?a=1&amp;b=2#h">', '<a href="/x?a=1&amp;b=2#h">'],
    ["<a href='https://static.bank.example/p'>", '<a href="/__tandem/o/https/static.bank.example/p">'],
    ['<a href=https://bank.example/u>', '<a href="/u">'],
    ['<A HREF="HTTPS://BANK.EXAMPLE/Up">', '<A HREF="/Up">'],
    ['<img src="//static.bank.example/i.png" alt=x>', '<img src="/__tandem/o/https/static.bank.example/i.png" alt=x>'],
    ['<script src="https://static.bank.example/app.js"></script>', '<script src="/__tandem/o/https/static.bank.example/app.js"></script>'],
    ['<iframe src="https://bank.example/frame"></iframe>', '<iframe src="/frame"></iframe>'],
    ['<form action="https://bank.example/post" method=post>', '<form action="/post" method=post>'],
    ['<button formaction="https://bank.example/b">', '<button formaction="/b">'],
    [
      '<input type=image formaction=https://bank.example/c src=https://bank.example/i.png>',
      '<input type=image formaction="/c" src="/i.png">',
    ],
    [
      '<video poster="https://static.bank.example/p.jpg" src="https://static.bank.example/v.mp4">',
      '<video poster="/__tandem/o/https/static.bank.example/p.jpg" src="/__tandem/o/https/static.bank.example/v.mp4">',
    ],
    ['<object data="https://bank.example/o.swf">', '<object data="/o.swf">'],
    ['<div data="https://bank.example/o">', '<div data="https://bank.example/o">'],
    ['<table background="https://bank.example/bg.gif">', '<table background="/bg.gif">'],
    [
      '<svg><use xlink:href="https://static.bank.example/s.svg#i"/></svg>',
      '<svg><use xlink:href="/__tandem/o/https/static.bank.example/s.svg#i"/></svg>',
    ],
    [
      '<img srcset="https://bank.example/a.png 1x, https://static.bank.example/b.png 2x, c.png 3x">',
      '<img srcset="/a.png 1x, /__tandem/o/https/static.bank.example/b.png 2x, c.png 3x">',
    ],
    ['<source srcset="https://bank.example/a.webp">', '<source srcset="/a.webp">'],
    ['<link rel=preload as=image imagesrcset="https://bank.example/a.png 100w">', '<link rel=preload as=image imagesrcset="/a.png 100w">'],
    ['<a href="&#x68;ttps&colon;//bank.example/enc">', '<a href="/enc">'],
    ['<a href="https://bank.example/a" href="https://evil.example/">', '<a href="/a" href="https://evil.example/">'],
    ['<a href>', '<a href>'],
    ['<a href="">', '<a href="">'],
    ['<a href="/rel">', '<a href="/rel">'],
    ['<a href="rel">', '<a href="rel">'],
    ['<a href="javascript:void(0)">', '<a href="javascript:void(0)">'],
    ['<img src="data:image/png;base64,AAA">', '<img src="data:image/png;base64,AAA">'],
    ['<img src="https://evil.example/i.png">', '<img src="https://evil.example/i.png">'],
    ['<a title=">" href="https://bank.example/q">', '<a title=">" href="/q">'],
    ['<a href="https://bank.example/slash"/>', '<a href="/slash"/>'],
    ['<a href=/p ping="https://bank.example/t1 https://cdn.example/t2  /t3">', '<a href=/p ping="/t1 https://cdn.example/t2  /t3">'],
  ];
  for (const [input, expected] of rows) t.equal(rw(input), expected, input);
});

t.test(
  'rewrite-html: a double-quoted URL maps exactly as the same URL in single quotes (the in-place fast path agrees with mapUrl)',
  async (t) => {
    // Double-quoted values of the primary origin may be mapped by cutting the origin off in place;
    // single-quoted ones always take mapUrl. Same value, same mapping, same escaping, either way.
    const pieces = [
      'https://bank.example',
      'https://bank.example',
      '/',
      '//',
      '/a',
      '?q=1',
      '&amp;',
      '&',
      '&x',
      '#f',
      '/.',
      '/./',
      '%2e',
      '%2E',
      '%2',
      '%',
      'é',
      ':8080',
      '.evil',
      '@x',
      ' ',
      '\t',
      '..',
      'HTTPS://bank.example',
      'https://static.bank.example',
      '0',
      '()',
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [
      'https://bank.example',
      'https://bank.example/',
      'https://bank.example?x',
      'https://bank.example#y',
      'https://bank.example//evil/x',
      'https://bank.example/a/%2e%2e/b',
      'https://bank.example:443/z',
      'https://bank.example0/x',
    ];
    for (let i = 0; i < 3000; i++) {
      let v = random() < 0.5 ? 'https://bank.example' : '';
      const n = 1 + Math.floor(random() * 5);
      for (let k = 0; k < n; k++) v += pieces[Math.floor(random() * pieces.length)];
      values.push(v);
    }
    let compared = 0;
    let cut = 0;
    for (const v of values) {
      const viaDouble = rw(`<a href="${v}">`);
      const viaSingle = rw(`<a href='${v}'>`).replace(/^<a href='([^']*)'/, '<a href="$1"');
      if (viaDouble !== viaSingle) {
        t.equal(viaDouble, viaSingle, `href=${JSON.stringify(v)}`);
        break;
      }
      compared++;
      if (v.startsWith('https://bank.example') && viaDouble !== `<a href="${v}">`) cut++;
    }
    t.equal(compared, values.length, `${values.length} values map the same in double and single quotes`);
    t.ok(cut > 500, `many of them (${cut}) are primary-origin URLs that were mapped`);
  },
);

t.test('rewrite-html: target=_top and _parent stay in the content frame', async (t) => {
  t.equal(rw('<a href=/x target=_top>'), '<a href=/x target="_self">');
  t.equal(rw('<a href=/x target="_PARENT">'), '<a href=/x target="_self">');
  t.equal(rw('<form target=_top>'), '<form target="_self">');
  t.equal(rw('<base target="_top">'), '<base target="_self">');
  t.equal(rw('<button formtarget=_top>'), '<button formtarget="_self">');
  t.equal(rw('<a href=/x target=_blank>'), '<a href=/x target=_blank>');
  t.equal(rw('<div target=_top>'), '<div target=_top>');
});

t.test('rewrite-html: foreign links open in a new tab, foreign resources stay', async (t) => {
  t.equal(rw('<a href="https://evil.example/">'), '<a href="https://evil.example/" target="_blank" rel="noopener">');
  t.equal(rw('<a href="https://evil.example/" target=_top rel=x>'), '<a href="https://evil.example/" target="_blank" rel=x>');
  t.equal(rw('<a href="https://evil.example/" target=_blank>'), '<a href="https://evil.example/" target=_blank>');
  t.equal(rw('<area href="//evil.example/">'), '<area href="//evil.example/" target="_blank" rel="noopener">');
  t.equal(rw('<form action="https://pay.example/">'), '<form action="https://pay.example/" target="_blank">');
  t.equal(rw('<button formaction="https://pay.example/">'), '<button formaction="https://pay.example/" formtarget="_blank">');
  t.equal(rw('<img src="https://evil.example/x.png">'), '<img src="https://evil.example/x.png">');
  t.equal(rw('<link rel=stylesheet href="https://cdn.example/x.css">'), '<link rel=stylesheet href="https://cdn.example/x.css">');
});

t.test('rewrite-html: integrity is dropped on rewritten stylesheets only', async (t) => {
  t.equal(
    rw('<link rel=stylesheet href="https://static.bank.example/s.css" integrity="sha384-x">'),
    '<link rel=stylesheet href="/__tandem/o/https/static.bank.example/s.css" >',
  );
  t.equal(
    rw('<link rel="preload" as="style" href="/s.css" integrity="sha384-x" crossorigin>'),
    '<link rel="preload" as="style" href="/s.css"  crossorigin>',
  );
  t.equal(
    rw('<link rel=stylesheet href="https://cdn.example/s.css" integrity="sha384-x">'),
    '<link rel=stylesheet href="https://cdn.example/s.css" integrity="sha384-x">',
  );
  t.equal(
    rw('<script src="https://static.bank.example/a.js" integrity="sha384-x"></script>'),
    '<script src="/__tandem/o/https/static.bank.example/a.js" integrity="sha384-x"></script>',
  );
});

t.test('rewrite-html: <base href> is mapped and later URLs resolve against the real base', async (t) => {
  t.equal(
    rw('<base href="https://static.bank.example/app/"><a href="/root"><a href="rel"><img src="../up.png">'),
    '<base href="/__tandem/o/https/static.bank.example/app/"><a href="/__tandem/o/https/static.bank.example/root"><a href="rel"><img src="/__tandem/o/https/static.bank.example/up.png">',
  );
  t.equal(rw('<base href="/sub/"><a href="/x"><a href="y">'), '<base href="/sub/"><a href="/x"><a href="y">');
  t.equal(
    rw('<base href="https://cdn.example/d/"><img src="i.png"><a href="https://bank.example/a">'),
    '<base data-tandem-base-href="https://cdn.example/d/"><img src="https://cdn.example/d/i.png"><a href="/a">',
  );
  t.equal(
    rw('<base href="https://static.bank.example/"><base href="https://bank.example/other/">'),
    '<base href="/__tandem/o/https/static.bank.example/"><base href="https://bank.example/other/">',
  );
});

t.test('rewrite-html: meta refresh and meta CSP are adjusted', async (t) => {
  t.equal(
    rw('<meta http-equiv="refresh" content="5; url=https://bank.example/next">'),
    '<meta http-equiv="refresh" content="5; url=/next">',
  );
  t.equal(
    rw(`<meta http-equiv=Refresh content="0;URL='https://static.bank.example/n'">`),
    `<meta http-equiv=Refresh content="0;URL='/__tandem/o/https/static.bank.example/n'">`,
  );
  t.equal(rw('<meta http-equiv="refresh" content="5">'), '<meta http-equiv="refresh" content="5">');
  t.equal(rw('<meta content="3;url=https://bank.example/c" http-equiv="refresh">'), '<meta content="3;url=/c" http-equiv="refresh">');
  t.equal(
    rw(`<meta http-equiv="Content-Security-Policy" content="img-src https://static.bank.example; report-uri https://bank.example/r">`),
    `<meta http-equiv="Content-Security-Policy" content="img-src 'self'">`,
  );
});

t.test('rewrite-html: style attributes and <style> elements go through the CSS rewriter', async (t) => {
  t.equal(rw(`<div style="background:url('https://bank.example/a.png')">`), '<div style="background:url(&quot;/a.png&quot;)">');
  t.equal(rw('<p style="color:red">'), '<p style="color:red">');
  t.equal(
    rw('<style>a{background:url(https://static.bank.example/b.png)}</style>'),
    '<style>a{background:url("/__tandem/o/https/static.bank.example/b.png")}</style>',
  );
  t.equal(rw('<style>@import "https://bank.example/i.css";</style>'), '<style>@import "/i.css";</style>');
  t.equal(
    rw('<svg><style>a{background:url(https://bank.example/s.png)}</style></svg>'),
    '<svg><style>a{background:url(https://bank.example/s.png)}</style></svg>',
  );
  t.equal(
    rw('<i style="background:url(../i.png)"></i><base href="https://static.bank.example/x/"><i style="background:url(../i.png)"></i>'),
    '<i style="background:url(../i.png)"></i><base href="/__tandem/o/https/static.bank.example/x/"><i style="background:url(&quot;/__tandem/o/https/static.bank.example/i.png&quot;)"></i>',
    'a style value seen again after <base> is rewritten against the new base',
  );
});

t.test('rewrite-html: the plain url() path of style="" and <style> writes what the CSS rewriter writes', async (t) => {
  const urls = [
    'https://bank.example/a.png',
    'https://static.bank.example/i.png',
    'https://bank.example//x',
    'https://bank.example',
    'https://bank.example?q',
    'https://evil.example/',
    '/root',
    'rel/x',
    '../up',
    'https://bank.example/\xc3\xa9',
    '',
  ];
  const pieces = [
    'url(',
    'URL(',
    'myurl(',
    ' url(',
    '"',
    "'",
    '\\',
    '/*',
    '@import ',
    'image-set(',
    ')',
    '(',
    ' ',
    ';',
    'x',
    '/',
    '*',
    '\n',
  ];
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  let fast = 0;
  let mapped = 0;
  for (const baseUrl of ['https://bank.example/p/q', 'https://static.bank.example/d/']) {
    for (let n = 0; n < 10_000; n++) {
      let css = '';
      for (let i = 1 + Math.floor(random() * 8); i > 0; i--) {
        const r = random();
        css +=
          r < 0.25
            ? pick(urls)
            : r < 0.6
              ? pick(['url(', 'URL(', "url('", 'url("']) + pick(urls) + pick([')', "')", '")', ' )', ''])
              : pick(pieces);
      }
      const plain = rewritePlainCss(css, baseUrl, map);
      if (plain === null) continue;
      fast++;
      if (plain !== css) mapped++;
      const full = rewriteCss(css, { map, baseUrl });
      if (plain !== full) {
        t.equal(plain, full, JSON.stringify(css));
        return;
      }
    }
  }
  t.ok(
    fast > 2000 && mapped > 300,
    `${fast} values took the plain path, ${mapped} of them with a URL mapped, all as the CSS rewriter writes them`,
  );
});

t.test('rewrite-html: iframe srcdoc markup is rewritten too', async (t) => {
  t.equal(
    rw(`<iframe srcdoc="<a href=&quot;https://bank.example/in&amp;x&quot; target=_top>in</a><p title='a&amp;b'>"></iframe>`, withHook),
    `${HOOK}<iframe srcdoc="<a href=&quot;/in&amp;amp;x&quot; target=&quot;_self&quot;>in</a><p title='a&amp;b'>"></iframe>`,
  );
  t.equal(rw('<iframe srcdoc="<p>plain</p>"></iframe>'), '<iframe srcdoc="<p>plain</p>"></iframe>');
});

t.test('rewrite-html: import maps point their addresses at the gateway', async (t) => {
  const im =
    '<script type="importmap">{"imports":{"lib":"https://static.bank.example/lib.js","https://bank.example/a.js":"https://bank.example/b.js","x":"./x.js"},"scopes":{"https://static.bank.example/":{"y":"https://bank.example/y.js"}}}</script>';
  t.equal(
    rw(im),
    '<script type="importmap">{"imports":{"lib":"/__tandem/o/https/static.bank.example/lib.js","https://bank.example/a.js":"/b.js","x":"./x.js"},"scopes":{"/__tandem/o/https/static.bank.example/":{"y":"/y.js"}}}</script>',
  );
  t.equal(rw('<script type=importmap>{"imports":{"x":"./x.js"}}</script>'), '<script type=importmap>{"imports":{"x":"./x.js"}}</script>');
  t.equal(
    rw('<script type=importmap>not json https://bank.example/</script>'),
    '<script type=importmap>not json https://bank.example/</script>',
  );
  t.equal(
    rw('<script>{"imports":{"lib":"https://bank.example/l.js"}}</script>'),
    '<script>{"imports":{"lib":"https://bank.example/l.js"}}</script>',
  );
});

t.test('rewrite-html: markup inside raw text, comments and CDATA is not touched', async (t) => {
  const same = [
    '<script>var s = "<a href=\'https://bank.example/x\'>";</script>',
    '<script>document.write("<script src=https://bank.example/a.js><\\/script>")</script>',
    '<script><!-- <script>x</script> <a href="https://bank.example/no"> --></script>',
    '<textarea><a href="https://bank.example/t"></textarea>',
    '<title><img src="https://bank.example/t.png"></title>',
    '<noscript><img src="https://bank.example/n.png"></noscript>',
    '<xmp><a href="https://bank.example/x"></xmp>',
    '<iframe><a href="https://bank.example/x"></iframe>',
    '<noembed><a href="https://bank.example/x"></noembed>',
    '<noframes><a href="https://bank.example/x"></noframes>',
    '<!-- <a href="https://bank.example/c"> -->',
    '<svg><![CDATA[ <a href="https://bank.example/cd"> ]]></svg>',
    '<plaintext><a href="https://bank.example/p">',
    '<? <a href="https://bank.example/pi"> ?>',
  ];
  for (const html of same) {
    const out = rw(html);
    t.notMatch(out, /"\/(x|no|t|t\.png|n\.png|c|cd|p|pi)"/, html);
  }
  t.equal(rw(same[0]), same[0]);
  t.equal(rw(same[2]), same[2]);
  // After the raw text ends, rewriting resumes.
  t.equal(
    rw('<script>if (a </script ) {}</script><a href="https://bank.example/after">'),
    '<script>if (a </script ) {}</script><a href="/after">',
  );
  t.equal(rw('<!-- x --!><a href="https://bank.example/after">'), '<!-- x --!><a href="/after">');
  t.equal(rw('<!----><a href="https://bank.example/after">'), '<!----><a href="/after">');
  t.equal(rw('<!--><a href="https://bank.example/after">'), '<!--><a href="/after">', 'an abruptly closed comment');
  t.equal(rw('<!---><a href="https://bank.example/after">'), '<!---><a href="/after">');
  t.equal(rw('<![CDATA[ x ]]><a href="https://bank.example/after">'), '<![CDATA[ x ]]><a href="/after">');
  t.equal(rw('<svg><script>a<b</script></svg><a href="https://bank.example/after">'), '<svg><script>a<b</script></svg><a href="/after">');
});

t.test('rewrite-html: the hooks tag goes in exactly once, early in <head>, never inside markup', async (t) => {
  const rows: [string, string][] = [
    [
      '<!doctype html><html><head><title>t</title></head><body></body></html>',
      `<!doctype html><html><head>${HOOK}<title>t</title></head><body></body></html>`,
    ],
    [
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>',
      `<!DOCTYPE html><html><head><meta charset="utf-8">${HOOK}<title>t</title>`,
    ],
    [
      '<html><head>\n  <meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n<link>',
      `<html><head>\n  <meta http-equiv="Content-Type" content="text/html; charset=utf-8">${HOOK}\n<link>`,
    ],
    ['<html><head><!-- c --><script>x</script>', `<html><head>${HOOK}<!-- c --><script>x</script>`],
    ['<html><head></head>', `<html><head>${HOOK}</head>`],
    ['<html><body><p>x', `<html>${HOOK}<body><p>x`],
    ['<!-- lead --><!DOCTYPE html>\n<title>x</title>', `<!-- lead --><!DOCTYPE html>\n${HOOK}<title>x</title>`],
    ['Hello <b>world</b>', `${HOOK}Hello <b>world</b>`],
    ['<p>fragment</p>', `${HOOK}<p>fragment</p>`],
    ['\ufeff<!doctype html><p>x', `\ufeff<!doctype html>${HOOK}<p>x`],
    ['', HOOK],
    ['<html>', `<html>${HOOK}`],
    ['<HEAD><SCRIPT>a()</SCRIPT>', `<HEAD>${HOOK}<SCRIPT>a()</SCRIPT>`],
  ];
  for (const [input, expected] of rows) t.equal(rw(input, withHook), expected, JSON.stringify(input));
});

t.test('rewrite-html: the rendered hooks tag is synchronous and carries the agreed data', async (t) => {
  const tag = hookTag({
    src: '/__tandem/assets/hooks.js?v=1',
    nonce: 'n0"nce',
    data: {
      primary: 'https://bank.example',
      allow: 'https://a.example,https://b.example',
      'page-origin': 'https://bank.example',
      mask: '.x > "y"',
    },
  });
  t.equal(
    tag,
    '<script src="/__tandem/assets/hooks.js?v=1" nonce="n0&quot;nce" data-tandem-hooks="" data-primary="https://bank.example" data-allow="https://a.example,https://b.example" data-page-origin="https://bank.example" data-mask=".x &gt; &quot;y&quot;"></script>',
  );
  t.notMatch(tag, /\b(async|defer)\b/);
  t.throws(() => hookTag({ src: '/h.js', data: { 'bad key': 'x' } }));
});

t.test('rewrite-html: pages on an allowed origin map their root-relative URLs', async (t) => {
  const o = { ...opts, pageUrl: 'https://static.bank.example/docs/page.html' };
  t.equal(
    rw('<a href="/x"><a href="y"><img src="//bank.example/i.png">', o),
    '<a href="/__tandem/o/https/static.bank.example/x"><a href="y"><img src="/i.png">',
  );
});

t.test('rewrite-html: hostile and malformed input', async (t) => {
  t.equal(rw('<a href="https://bank.example/x'), '<a href="https://bank.example/x', 'an unclosed tag at the end passes through');
  t.equal(rw('<div><span><a href="https://bank.example/u">'), '<div><span><a href="/u">', 'unclosed elements');
  t.equal(rw('<a\nhref\n=\n"https://bank.example/nl"\n>'), '<a\nhref\n=\n"/nl"\n>');
  t.equal(
    rw('<a href="/\\evil.example/">'),
    '<a href="/\\evil.example/" target="_blank" rel="noopener">',
    'a backslash makes it protocol-relative',
  );
  t.equal(rw('<img src="https://bank.example/x" src="https://evil.example/">'), '<img src="/x" src="https://evil.example/">');
  t.equal(rw('<a =href="https://bank.example/x">'), '<a =href="https://bank.example/x">');
  t.equal(
    rw('</a href="https://bank.example/x"><a href="https://bank.example/y">'),
    '</a href="https://bank.example/x"><a href="/y">',
    'end tags are left alone',
  );
  t.equal(rw('<<a href="https://bank.example/z">'), '<<a href="/z">');
  t.equal(rw('</><a href="https://bank.example/z">'), '</><a href="/z">');

  const huge = 'https://bank.example/' + 'a'.repeat(1024 * 1024);
  const out = rw(`<a title="${'b'.repeat(1024 * 1024)}" href="${huge}">x</a>`);
  t.ok(
    out === `<a title="${'b'.repeat(1024 * 1024)}" href="${huge.slice('https://bank.example'.length)}">x</a>`,
    'a 1 MB attribute is mapped, another is copied',
  );

  const endless = new HtmlRewriter(opts);
  let passed = 0;
  passed += endless.write('<p>x</p><a title="').length;
  for (let i = 0; i < 80; i++) passed += endless.write('y'.repeat(64 * 1024)).length;
  passed += endless.write('"><a href="https://bank.example/after">').length + endless.end().length;
  t.ok(passed >= 80 * 64 * 1024, 'a tag that never ends is let through, not held without bound');

  const nested = '<div>'.repeat(10_000) + '<a href="https://bank.example/deep">' + '</div>'.repeat(10_000);
  t.equal(rw(nested), nested.replace('https://bank.example/deep', '/deep'), '10,000 nested elements');

  const invalid = Buffer.concat([
    Buffer.from('<p>\xff\xfe'),
    Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82]),
    Buffer.from('<a href="https://bank.example/é">\x80</a>', 'latin1'),
  ]);
  const bytes = rewriteChunks([invalid], opts);
  t.same(bytes.subarray(0, 12), invalid.subarray(0, 12), 'invalid UTF-8 bytes pass through unharmed');
  t.match(
    bytes.toString('latin1'),
    /href="\/%C3%83%C2%A9"|href="\/%E9"|href="\/%EF%BF%BD"/,
    'a non-UTF-8 byte in a URL is percent-encoded',
  );
});

t.test('rewrite-html: every split position gives the output of one chunk', async (t) => {
  const page = Buffer.from(
    `<!DOCTYPE html><html><head><meta charset=utf-8><title>€ <a href="https://bank.example/t"></title>
<base href="https://bank.example/base/"><link rel=stylesheet href="https://static.bank.example/s.css" integrity=sha-x>
<style>/* c */ a{background:url( 'https://bank.example/bg.png' )} @import url(https://static.bank.example/i.css);</style>
<script><!-- <script></script> --></script><script>x = "</scrip"; y = 1 < 2;</script><script type=importmap>{"imports":{"a":"https://bank.example/a.js"}}</script>
</head><body style="background-image:url(https://bank.example/b.png)"><!-- <a href="https://bank.example/c"> --!>
<a href="https://bank.example/p?a=1&amp;b=2" target=_top>ü</a><a href=https://evil.example/>e</a>
<img srcset="https://bank.example/1.png 1x, https://static.bank.example/2.png 2x"><svg><![CDATA[<a href="https://bank.example/x">]]></svg>
<textarea></textarea ><meta http-equiv=refresh content="1;url=https://bank.example/r"></body></html>`,
    'utf8',
  );
  const whole = rewriteChunks([page], withHook);
  t.match(whole.toString(), /href="\/__tandem\/o\/https\/static\.bank\.example\/s\.css"/);
  let mismatches = 0;
  for (let i = 0; i <= page.length; i++) {
    const split = rewriteChunks([page.subarray(0, i), page.subarray(i)], withHook);
    if (!split.equals(whole)) {
      mismatches++;
      if (mismatches < 4) t.fail(`split at ${i} differs`, { found: split.toString(), wanted: whole.toString() });
    }
  }
  t.equal(mismatches, 0, `all ${page.length + 1} two-chunk splits`);
  const bytes: Buffer[] = [];
  for (let i = 0; i < page.length; i++) bytes.push(page.subarray(i, i + 1));
  t.ok(rewriteChunks(bytes, withHook).equals(whole), 'one byte a chunk');
  for (let size = 2; size < 40; size += 3) {
    const parts: Buffer[] = [];
    for (let i = 0; i < page.length; i += size) parts.push(page.subarray(i, i + size));
    t.ok(rewriteChunks(parts, withHook).equals(whole), `${size}-byte chunks`);
  }
});

t.test('rewrite-html: the Transform stream gives the same bytes', async (t) => {
  const page = Buffer.from('<html><head><title>x</title></head><body><a href="https://bank.example/s">ß</a></body></html>');
  const chunks: Buffer[] = [];
  for await (const c of Readable.from([page.subarray(0, 30), page.subarray(30, 31), page.subarray(31)]).pipe(
    createHtmlRewriteStream(withHook),
  ))
    chunks.push(c as Buffer);
  t.equal(Buffer.concat(chunks).toString(), `<html><head>${HOOK}<title>x</title></head><body><a href="/s">ß</a></body></html>`);
});

const FIXTURES = fileURLToPath(new URL('../../../../../test/fixtures/rewrite/', import.meta.url));

t.test('rewrite-html: golden pages', async (t) => {
  const cases = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'input.html'))) : [];
  t.ok(cases.length >= 3, 'golden cases exist');
  for (const name of cases) {
    const dir = join(FIXTURES, name);
    const meta = existsSync(join(dir, 'page.json'))
      ? (JSON.parse(readFileSync(join(dir, 'page.json'), 'utf8')) as { pageUrl?: string })
      : {};
    const o = { ...withHook, pageUrl: meta.pageUrl ?? opts.pageUrl };
    const input = readFileSync(join(dir, 'input.html'));
    const expected = readFileSync(join(dir, 'expected.html'));
    const got = rewriteChunks([input], o);
    t.equal(got.toString('utf8'), expected.toString('utf8'), name);
    const parts: Buffer[] = [];
    for (let i = 0; i < input.length; i += 97) parts.push(input.subarray(i, i + 97));
    t.ok(rewriteChunks(parts, o).equals(got), `${name} in 97-byte chunks`);
  }
});
