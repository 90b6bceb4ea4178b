/** Starts real gateways for tests: in this process (boot) or as child processes (replicas). */

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../gateway/config.js';
import { boot, type Running } from '../../gateway/boot.js';
import { createLogger } from '../../gateway/ops/logger.js';
import { freePort } from './redis.js';

export const TEST_SECRET = 'tandem-test-secret-0123456789abcdef';

export interface TestGateway {
  readonly url: string;
  readonly port: number;
  readonly running: Running;
  close(): Promise<void>;
}

/** A gateway in this process on a free loopback port. `env` holds TANDEM_ variables. */
export async function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const config = loadConfig({ TANDEM_SECRET: TEST_SECRET, TANDEM_LOG_LEVEL: 'silent', TANDEM_HOST: '127.0.0.1', TANDEM_PORT: '0', ...env });
  const running = await boot(config, { log: createLogger(config.logLevel) });
  return { url: running.gateway.url, port: running.gateway.port, running, close: () => running.close() };
}

export interface GatewayProcess {
  readonly url: string;
  readonly port: number;
  readonly proc: ChildProcess;
  /** Output so far (stdout and stderr), for assertions and for failure reports. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const MAIN = fileURLToPath(new URL('../../gateway/main.js', import.meta.url));

/** `node dist/gateway/main.js` as a child process, waiting until /__tandem/healthz answers. */
export async function spawnGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const port = env.TANDEM_PORT ? Number(env.TANDEM_PORT) : await freePort();
  const proc = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      TANDEM_SECRET: TEST_SECRET,
      TANDEM_LOG_LEVEL: 'warn',
      TANDEM_HOST: '127.0.0.1',
      ...env,
      TANDEM_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gateway exited with ${proc.exitCode}: ${out}`);
    try {
      const r = await fetch(`${url}/__tandem/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`gateway did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    proc,
    output: () => out,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      // A process ended by a signal has a signalCode and a null exitCode: its 'exit' already fired.
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
      return new Promise((resolve) => {
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      });
    },
  };
}
