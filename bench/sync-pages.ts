/**
 * The bench's own origin for bench/sync: pages whose changes a mirror can be timed on.
 *
 *   /live   a text field, a textarea, a counter button, an echo field whose handler writes what
 *           is typed into a paragraph (the page reacting to an operator's keys), a scrollable
 *           box and a window tall enough to scroll.
 *   /heavy  a 1 MB DOM (5,000 rows of text) with 200 cells `#c0`…`#c199` that
 *           `benchMutate(n, gapMs, perTask)` changes, `perTask` changes a task, one task every
 *           `gapMs` (so each task's changes are one recorded batch), and `benchCells()` reads back.
 *
 * 127.0.0.1, port 0, no caching.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchOrigin {
  readonly url: string;
  close(): Promise<void>;
}

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>body{font:14px sans-serif;margin:8px}</style></head><body><h1>${title}</h1>${body}</body></html>`;

const LIVE = page(
  'Live',
  `<input id="text" name="text"> <textarea id="area" name="area" rows="3" cols="60"></textarea>
<p><button id="count" type="button">Count</button> <span id="counter">0</span></p>
<p><input id="echo" name="echo"> <span id="echo-out"></span></p>
<div id="box" style="height:120px;overflow:auto;border:1px solid #ccc"><div style="height:3000px">tall box</div></div>
<div style="height:6000px;background:linear-gradient(#fff,#ccd)">tall page</div>
<script>
  var n = 0;
  document.getElementById('count').addEventListener('click', function () { n++; document.getElementById('counter').textContent = String(n); });
  var echo = document.getElementById('echo');
  echo.addEventListener('input', function () { document.getElementById('echo-out').textContent = echo.value; });
</script>`,
);

const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

function heavy(): string {
  // Blocks, not a table: a change in one cell of a 5,000-row auto-layout table lays the whole
  // table out again (≈ 0.4 s a change here, recorder or not).
  const rows: string[] = [];
  for (let r = 0; r < 5000; r++) {
    const words = Array.from({ length: 18 }, (_, i) => WORDS[(r * 7 + i * 3) % WORDS.length]).join(' ');
    const cell = r < 200 ? `<b id="c${r}">v-init</b>` : `<b>${r}</b>`;
    rows.push(
      `<div class="r">${cell} <span class="a">row ${r}</span> <span class="b">${words}</span> <i class="c">${(r * 37) % 1000}</i></div>`,
    );
  }
  return page(
    'Heavy',
    `<p><button id="count" type="button">Count</button> <span id="counter">0</span> <input id="text" name="text"></p>
<div id="t">${rows.join('')}</div>
<script>
  var n = 0;
  document.getElementById('count').addEventListener('click', function () { n++; document.getElementById('counter').textContent = String(n); });
  window.benchCells = function () {
    var out = [];
    for (var i = 0; i < 200; i++) out.push(document.getElementById('c' + i).textContent);
    return out.join('|');
  };
  window.benchMutate = function (count, gap, perTask) {
    return new Promise(function (resolve) {
      var i = 0;
      (function step() {
        if (i >= count) return resolve(i);
        for (var k = 0; k < perTask && i < count; k++, i++) document.getElementById('c' + (i % 200)).textContent = 'v' + i;
        setTimeout(step, gap);
      })();
    });
  };
</script>`,
  );
}

export async function startBenchOrigin(): Promise<BenchOrigin> {
  const pages: Record<string, string> = { '/live': LIVE, '/heavy': heavy() };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://origin').pathname;
    const body = pages[path];
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body ?? page('Not found', ''));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
