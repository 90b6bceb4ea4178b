/**
 * The shell's frames and the ink clear: a participant's clear is applied on its own page when
 * it comes back from the hub, in the session's order, like everyone else's. Strokes logged
 * before it but still on their way to this side when the button was pressed must not outlive it.
 * Runs the real inject/shell/frames.ts (bundled by esbuild) against a recording page port.
 */

import t from 'tap';
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SOURCE = fileURLToPath(new URL('../../../../../inject/shell/frames.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tandem-frames-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const out = await build({ entryPoints: [SOURCE], bundle: true, format: 'esm', platform: 'neutral', write: false });
const file = join(dir, 'frames.mjs');
writeFileSync(file, out.outputFiles[0].text);
/** What this test uses of the shell's Frames (inject/ is browser code, outside this project). */
interface Cmd {
  seq: number;
  k: string;
  op: string;
  d: unknown;
  by: string;
  t: number;
}
interface FramesLike {
  readonly pages: Map<string, unknown>;
  clearInk(): void;
  remote(cmd: Cmd): void;
  own(cmd: Cmd): void;
}
const { Frames } = (await import(pathToFileURL(file).href)) as { Frames: new (iframe: unknown, host: unknown) => FramesLike };

interface Sent {
  k: string;
  op: string;
  a?: string;
}

function setup() {
  const sent: Sent[] = [];
  const posted: { op: string; k: string; by: string }[] = [];
  const host = {
    live: () => true,
    me: () => 'cust',
    allowed: () => true,
    setup: () => null,
    send: (k: string, op: string, _d: unknown, a?: 'others' | 'all') => sent.push({ k, op, a }),
    topNavLogged: () => undefined,
    topChanged: () => undefined,
    report: () => undefined,
  };
  const frames = new Frames({}, host);
  const port = {
    postMessage: (m: { t: string; op: string; k: string; by: string }) => m.t === 'cmd' && posted.push({ op: m.op, k: m.k, by: m.by }),
  };
  frames.pages.set('top', { port, win: {}, url: 'http://x/', inStep: true, initial: false, title: '', decided: true, ack: 0 });
  return { frames, sent, posted };
}

t.test('frames: a clear goes to every participant, its sender included, and is applied when it returns', async (t) => {
  const { frames, sent, posted } = setup();
  frames.clearInk();
  t.same(sent, [{ k: 'top/ink', op: 'ink-clear', a: 'all' }], 'the clear is sent to all, so it comes back in order');
  t.same(posted, [], 'and not applied at the click');
  // The operator's stroke, logged before the clear, reaches this side after the click...
  frames.remote({ seq: 7, k: 'top/ink/op-1', op: 'ink', d: { points: [[1, 1]], color: '#f00' }, by: 'op', t: 0 });
  // ...and then the clear itself, seq 8.
  frames.own({ seq: 8, k: 'top/ink', op: 'ink-clear', d: {}, by: 'cust', t: 0 });
  t.same(
    posted.map((p) => p.op),
    ['ink', 'ink-clear'],
    'the page draws the earlier stroke, then clears it: the last word is the clear, as everywhere else',
  );
});
