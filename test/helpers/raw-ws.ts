/**
 * A WebSocket client at the byte level, for tests that need what `ws` hides: a client that
 * writes frames without reading any, and the close code it would read afterwards (1006 where
 * its socket was reset or ended before a close frame arrived).
 */

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';

/** One masked text frame, as a client must send it. */
export function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const len = payload.length;
  if (len >= 65536) throw new Error('clientFrame: frames up to 64 KiB only');
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 255]);
  for (let i = 0; i < len; i++) payload[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, payload]);
}

export interface RawUpgrade {
  socket: Duplex;
  /** Bytes that came with the 101 response. */
  head: Buffer;
}

/** Upgrades `url` (http://…) to a WebSocket and hands back the raw socket, not yet read. */
export function rawUpgrade(url: string): Promise<RawUpgrade> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      },
    });
    req.on('upgrade', (_res, socket, head) => resolve({ socket, head }));
    req.on('response', (res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts reading and resolves with the code of the first close frame, or 1006 where the socket
 * fails or ends first (or had already), as a browser would report it.
 */
export function readCloseCode(up: RawUpgrade, timeoutMs = 20_000): Promise<number> {
  const { socket } = up;
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(1006);
    let buf = up.head;
    const timer = setTimeout(() => reject(new Error('no close frame and no close')), timeoutMs);
    const done = (code: number) => {
      clearTimeout(timer);
      resolve(code);
    };
    const scan = () => {
      while (buf.length >= 2) {
        const op = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        if (op === 8) return done(len >= 2 ? buf.readUInt16BE(off) : 1005);
        buf = buf.subarray(off + len);
      }
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      scan();
    });
    socket.on('error', () => done(1006));
    socket.on('close', () => done(1006));
    scan();
  });
}
