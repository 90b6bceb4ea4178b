import t from 'tap';
import { dataText } from '../../../../gateway/hub/data-text.js';

const text = (frame: string) => dataText(Buffer.from(frame))?.toString() ?? null;

t.test('data-text: the bytes of the top-level d, whatever surrounds them, parse to what JSON.parse read', async (t) => {
  const frames = [
    '{"k":"top/scroll","op":"scroll","d":{"x":1,"y":2.5},"c":"a1"}',
    '{"d":{"part":"[{\\"a\\":\\"}\\\\\\"]\\"}]","sid":"b","i":0,"n":1},"k":"top/dom","op":"dom"}',
    ' { "k" : "top/x" , "d" : [ 1 , { "d" : 2 } , "]}" ] , "op" : "ink" } ',
    '{"k":"top/ink","op":"ink","d":{"points":[[1,2],[3,-4e5]],"color":"#fff"},"a":"all"}',
    '{"k":"top/x","op":"input","d":"caf\u00e9 \u2028 \\ud83d\\ude00"}',
    '{"k":"top/x","op":"input","d":true}',
    '{"k":"top/x","op":"input","d":-12.5e-3}',
    '{"k":"top/x","op":"input","d":null}',
    '{"d":{"x":1},"k":"top/x","d":{"x":2}}',
  ];
  for (const [i, frame] of frames.entries()) {
    const d = text(frame);
    t.ok(d, `frame ${i}: found`);
    t.same(JSON.parse(d!), (JSON.parse(frame) as { d: unknown }).d, `frame ${i}: the same data`);
  }
  t.equal(text('{"d":{"x":1},"k":"top/x","d":{"x":2}}'), '{"x":2}', 'the last d wins, as in JSON.parse');
});

t.test('data-text: no d, or a frame the scan cannot read plainly, answers null (the data is stringified)', async (t) => {
  t.equal(text('{"k":"top/x","op":"ink-clear"}'), null, 'no d');
  t.equal(text('{}'), null, 'empty');
  t.equal(text('[1,2]'), null, 'not an object');
  t.equal(text('{"\\u0064":{"x":1},"k":"top/x"}'), null, 'a key written with escapes');
  t.equal(text('{"k":"top/x","dd":{"x":1}}'), null, 'a longer key is not d');
  t.equal(text('{"k":"top/x","d":{"x":1}'), null, 'cut short');
  t.equal(text('{"k":"top/x","d":{"x":1,\n"y":2}}'), null, 'a line break between its tokens');
  t.equal(dataText(Buffer.from([0x7b, 0x22, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), null, 'bytes that are not UTF-8');
});
