/**
 * A client that floods and is busy sending (so it reads nothing for a while) is closed with
 * 1008 through both entrances: the front door's bridge and the direct hub port. The bridge once
 * reset such a client a second after the hub's close, so its next write failed and it saw 1006.
 */

import t from 'tap';
import { CLOSE_POLICY } from '../../protocol/limits.js';
import { clientFrame, rawUpgrade, readCloseCode } from '../helpers/raw-ws.js';
import { freePort } from '../helpers/redis.js';
import { hubUrl } from '../helpers/hub-client.js';
import { startHubFixture } from './hub-fixture.js';

const hubPort = await freePort();
const gw = await startHubFixture({ env: { TANDEM_HUB_PORT: String(hubPort) } });
t.teardown(() => gw.close());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function floodWithoutReading(base: string): Promise<number> {
  const sid = await gw.session();
  const up = await rawUpgrade(hubUrl(base, gw.token(sid, 'customer')).replace(/^ws/, 'http'));
  up.socket.on('error', () => undefined);
  // 20,000 pointer commands, pausing 1 ms every 1,000 ...
  let sent = 0;
  while (sent < 20_000) {
    const burst: Buffer[] = [];
    for (let i = 0; i < 1000; i++, sent++)
      burst.push(clientFrame(JSON.stringify({ k: 'top/pointer/c', op: 'pointer', d: { x: sent, y: 0 } })));
    up.socket.write(Buffer.concat(burst));
    await pause(1);
  }
  // ... and still sending for a while after the hub has given up, reading nothing.
  const until = Date.now() + 2500;
  while (Date.now() < until && !up.socket.destroyed) {
    up.socket.write(clientFrame('{"k":"top/pointer/c","op":"pointer","d":{"x":0,"y":0}}'));
    await pause(20);
  }
  const code = await readCloseCode(up);
  up.socket.destroy();
  return code;
}

t.test('hub flood: a client busy flooding through the main port reads 1008, not 1006', async (t) => {
  t.equal(await floodWithoutReading(gw.url), CLOSE_POLICY);
});

t.test('hub flood: a client busy flooding through the direct hub port reads 1008, not 1006', async (t) => {
  t.equal(await floodWithoutReading(`http://127.0.0.1:${hubPort}`), CLOSE_POLICY);
});
