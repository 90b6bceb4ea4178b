/**
 * The Tandem side of bench/hub.ts, in its own process: a real gateway (front door + uWS hub)
 * over the memory store or Redis, plus a small control server on loopback that creates sessions
 * and mints hub tokens (the memory store lives in this process, so the bench cannot do it).
 *
 *   node dist/bench/peers/tandem-server.js   (env: TANDEM_REDIS_URL optional)
 * Prints `READY <gatewayPort> <hubPort> <controlPort>` once listening.
 */

import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../gateway/config.js';
import { createApp } from '../../gateway/app.js';
import { newId } from '../../gateway/identity/tokens.js';
import { startGateway } from '../../gateway/server.js';
import { createStore } from '../../store/index.js';

const config = loadConfig({
  TANDEM_SECRET: 'tandem-bench-secret-0123456789abcdef',
  TANDEM_LOG_LEVEL: 'error',
  TANDEM_HOST: '127.0.0.1',
  TANDEM_PORT: '0',
  TANDEM_ORIGIN: 'http://127.0.0.1:9',
  ...(process.env.TANDEM_REDIS_URL ? { TANDEM_REDIS_URL: process.env.TANDEM_REDIS_URL } : {}),
});
const store = await createStore({ redisUrl: config.redisUrl });
const app = createApp(config, config.origin!, store);
const gateway = await startGateway(app, { port: 0, host: '127.0.0.1' });
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

async function setup(count: number): Promise<{ id: string; customer: string; operator: string }[]> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const id = newId();
    await store.log.create(id);
    await store.directory.createSession(id, { status: 'active', createdAt: Date.now(), people: [] });
    out.push({
      id,
      customer: app.tokens.hub(id, `c-${id}`, 'customer', 'Customer', 3_600_000),
      operator: app.tokens.hub(id, `o-${id}`, 'operator', 'Operator', 3_600_000),
    });
  }
  return out;
}

const control = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://control');
  const answer = (value: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  if (url.pathname === '/setup') {
    setup(Number(url.searchParams.get('sessions') ?? 1)).then(answer, (err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  } else if (url.pathname === '/stats') {
    // The event-loop delay since the previous /stats: how long a message could wait for the loop.
    answer({ rss: process.memoryUsage().rss, connections: gateway.hub.connections, loopDelayP99: loopDelay.percentile(99) / 1e6 });
    loopDelay.reset();
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

process.on('SIGTERM', () => {
  void gateway
    .close()
    .then(() => store.close())
    .finally(() => process.exit(0));
});
process.stdout.write(`READY ${gateway.port} ${gateway.hub.port} ${(control.address() as AddressInfo).port}\n`);
