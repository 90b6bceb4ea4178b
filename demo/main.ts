#!/usr/bin/env node
/** The demo bank on its own (`node dist/demo/main.js`), as docker-compose runs it: DEMO_PORT, DEMO_HOST. */

import { startDemoSite } from './site.js';

const port = Number(process.env.DEMO_PORT ?? 3000);
const host = process.env.DEMO_HOST ?? '0.0.0.0';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`demo: DEMO_PORT must be a port number, got ${JSON.stringify(process.env.DEMO_PORT)}\n`);
  process.exit(2);
}

const site = await startDemoSite(port, host);
process.stdout.write(`Demo Bank listening on ${site.url} (host ${host})\n`);

const stop = () => {
  site.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
  setTimeout(() => process.exit(1), 5000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
