/**
 * The baseline for bench/hub.ts: what one would build with off-the-shelf parts. A Socket.IO 4
 * server with @socket.io/redis-streams-adapter (so replicas could share rooms), one room per
 * session, and a Redis INCR per command for the session's sequence. No log, no compaction, no
 * validation beyond JSON: strictly less work per command than Tandem's hub.
 *
 *   node dist/bench/peers/socketio-peer.js   (env: REDIS_URL)
 * Prints `READY <port>` once listening. Clients connect with auth {session, participant}; they
 * emit `cmd` {k, op, a, d} and receive `cmd` {seq, k, op, d, by, t}.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rss: process.memoryUsage().rss, connections: io.engine.clientsCount }));
    return;
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(server, { adapter: createAdapter(redis), transports: ['websocket'], serveClient: false });

io.on('connection', (socket) => {
  const auth = socket.handshake.auth as { session?: string; participant?: string };
  if (typeof auth.session !== 'string' || typeof auth.participant !== 'string') {
    socket.disconnect(true);
    return;
  }
  const room = `s/${auth.session}`;
  const by = auth.participant;
  void socket.join(room);
  socket.on('cmd', (cmd: { k: string; op: string; a?: string; d: unknown }) => {
    if (typeof cmd !== 'object' || cmd === null) return;
    redis.incr(`seq:{${auth.session}}`).then(
      (seq) => {
        const msg = { seq, k: cmd.k, op: cmd.op, d: cmd.d, by, t: Date.now() };
        if (cmd.a === 'all') io.to(room).emit('cmd', msg);
        else socket.to(room).emit('cmd', msg);
      },
      () => socket.emit('error-cmd', { code: 'internal' }),
    );
  });
});

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.on('SIGTERM', () => {
  io.close();
  redis.disconnect();
  process.exit(0);
});
process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
