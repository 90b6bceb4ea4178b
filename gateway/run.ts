/**
 * Starting the gateway from a command line, shared by `node dist/gateway/main.js` and
 * `npx tandem`: validate the configuration (exit 2 and one line a problem), boot, print the
 * demo's URLs, and shut down cleanly on SIGTERM / SIGINT.
 */

import { loadConfig, ConfigError } from './config.js';
import { boot } from './boot.js';

/** The console's base URL as printed: the demo's has the port the gateway actually took. */
function consoleBase(url: string | null, port: number): string | null {
  if (!url) return null;
  const u = new URL(url);
  return u.port ? u.origin : `${u.protocol}//${u.hostname}:${port}`;
}

export async function run(argv: readonly string[]): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`tandem: ${line}\n`);
      process.exit(2);
    }
    throw err;
  }
  const running = await boot(config);
  const { app, gateway } = running;
  if (config.secretGenerated)
    app.log.warn('TANDEM_SECRET is not set: a random one is used, so tokens die with this process and replicas cannot share sessions');
  app.log.info({ url: gateway.url, origin: app.origin, store: app.store.kind }, 'tandem listening');
  if (!config.consoleUrl)
    app.log.warn(
      'TANDEM_CONSOLE_URL is not set: the console and operator calls share one origin with the proxied pages, so a script on the origin could reach them; set it to a host of its own',
    );
  if (running.demo) {
    process.stdout.write(
      [
        '',
        'Tandem demo is running.',
        `  Customer:  ${gateway.url}/`,
        `  Console:   ${consoleBase(config.consoleUrl, gateway.port) ?? gateway.url}/__tandem/console  (operators: an origin of their own)`,
        `  Operator:  demo / demo`,
        `  (demo bank origin at ${running.demo.url})`,
        '',
      ].join('\n'),
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const started = Date.now();
    // The contract is an exit within 10 s of SIGTERM; close() cuts what is left at 8 s.
    const hard = setTimeout(() => {
      app.log.error({ ms: Date.now() - started }, 'shutdown deadline passed: exiting');
      process.exit(1);
    }, 9_500);
    hard.unref();
    running.close().then(
      () => {
        app.log.info({ ms: Date.now() - started }, 'stopped');
        process.exit(0);
      },
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // As JSON log lines like everything else; a stray rejection (a client library during a Redis
  // outage) must not take a replica down, an uncaught exception leaves state unknown: restart.
  process.on('unhandledRejection', (err) => app.log.error({ err }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => {
    app.log.fatal({ err }, 'uncaught exception: exiting');
    process.exit(1);
  });
}
