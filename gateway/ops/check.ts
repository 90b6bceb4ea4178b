/**
 * `npx tandem check`: validates the configuration and reaches what the gateway depends on
 * (the origins and the store), printing one line per check, so an operator can tell what is
 * wrong before a deployment rather than from a failing readiness probe after it.
 *
 * Exit codes: 0 all is well (warnings allowed), 1 something is unreachable, 2 the
 * configuration is invalid (including TLS and CA files that cannot be used).
 */

import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync, accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig, ConfigError, type Config } from '../config.js';
import { createStore, type Store } from '../../store/index.js';
import { withTimeout } from './health.js';

export const CHECK_OK = 0;
export const CHECK_UNREACHABLE = 1;
export const CHECK_INVALID = 2;

/** How long one origin or the store may take to answer the check. */
export const CHECK_TIMEOUT_MS = 5_000;

export interface CheckOutput {
  write(text: string): unknown;
}

type Outcome = 'ok' | 'warn' | 'unreachable' | 'invalid';

class Report {
  worst = CHECK_OK;
  constructor(private readonly out: CheckOutput) {}

  line(outcome: Outcome, what: string, detail: string): void {
    const tag = { ok: 'ok  ', warn: 'warn', unreachable: 'FAIL', invalid: 'FAIL' }[outcome];
    this.out.write(`${tag}  ${what}: ${detail}\n`);
    if (outcome === 'unreachable') this.worst = Math.max(this.worst, CHECK_UNREACHABLE);
    if (outcome === 'invalid') this.worst = CHECK_INVALID;
  }
}

/** Loads the configuration from the environment and flags, then runs every check. */
export async function checkCommand(env: Record<string, string | undefined>, argv: readonly string[], out: CheckOutput): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env, argv);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) out.write(`FAIL  config: ${problem}\n`);
    out.write('tandem check: the configuration is invalid\n');
    return CHECK_INVALID;
  }
  return runCheck(config, out);
}

/** Runs every check on a loaded configuration; resolves with the exit code. */
export async function runCheck(config: Config, out: CheckOutput): Promise<number> {
  const report = new Report(out);
  report.line('ok', 'config', `valid (${describe(config)})`);
  if (config.secretGenerated) {
    const shared = config.redisUrl || config.redisCluster.length > 0;
    report.line(
      'warn',
      'TANDEM_SECRET',
      `not set: a random key is used at each start${shared ? ", so replicas sharing the store cannot verify each other's tokens" : ''}`,
    );
  }
  if (config.publicUrl?.startsWith('http:') && !config.tlsCert) {
    report.line('warn', 'TANDEM_PUBLIC_URL', 'is http: operators and customers would send logins and session traffic in clear text');
  }
  const ca = checkFiles(config, report);
  checkOperators(config, report);

  const origins = config.origin ? [config.origin, ...config.allow] : config.allow;
  if (!config.origin) report.line('ok', 'TANDEM_ORIGIN', 'not set: the built-in demo site is served (nothing to reach)');
  await Promise.all(origins.map((o) => checkOrigin(o, ca, Math.min(config.originTimeoutMs, CHECK_TIMEOUT_MS), report)));
  await checkStore(config, report);

  const summary = ['all is well', 'something is unreachable', 'the configuration is invalid'][report.worst];
  out.write(`tandem check: ${summary}\n`);
  return report.worst;
}

function describe(c: Config): string {
  const store = c.redisUrl
    ? 'redis'
    : c.redisCluster.length > 0
      ? `redis cluster of ${c.redisCluster.length} seeds`
      : 'embedded memory store';
  const scheme = c.tlsCert ? 'https' : 'http';
  return `origin ${c.origin ?? 'demo'}, ${c.allow.length} further origin(s), ${store}, listening on ${scheme}://${c.host}:${c.port}`;
}

/** TLS and CA files: readable and usable. Returns the extra CA (PEM) when one is set. */
function checkFiles(config: Config, report: Report): string | null {
  if (config.tlsCert && config.tlsKey) {
    try {
      tls.createSecureContext({ cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) });
      const cert = new X509Certificate(readFileSync(config.tlsCert));
      const days = Math.floor((Date.parse(cert.validTo) - Date.now()) / 86_400_000);
      if (days < 0) report.line('invalid', 'TANDEM_TLS_CERT', `expired on ${cert.validTo}`);
      else if (days < 14) report.line('warn', 'TANDEM_TLS_CERT', `expires in ${days} day(s), on ${cert.validTo}`);
      else report.line('ok', 'TANDEM_TLS_CERT', `${cert.subject.replace(/\n/g, ', ')}, valid until ${cert.validTo}`);
    } catch (err) {
      report.line('invalid', 'TANDEM_TLS_CERT / TANDEM_TLS_KEY', `cannot be used: ${(err as Error).message}`);
    }
  }
  if (!config.caFile) return null;
  try {
    const pem = readFileSync(config.caFile, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    tls.createSecureContext({ ca: pem });
    report.line('ok', 'TANDEM_CA_FILE', `${config.caFile} is trusted for HTTPS origins`);
    return pem;
  } catch (err) {
    report.line('invalid', 'TANDEM_CA_FILE', `cannot be used: ${(err as Error).message}`);
    return null;
  }
}

function checkOperators(config: Config, report: Report): void {
  const file = config.operatorsFile;
  try {
    statSync(file);
    accessSync(file, constants.R_OK);
    report.line('ok', 'TANDEM_OPERATORS', `${file} is readable`);
  } catch {
    try {
      accessSync(dirname(file), constants.W_OK);
      report.line('warn', 'TANDEM_OPERATORS', `${file} does not exist yet: add an operator with "npx tandem operator add NAME"`);
    } catch {
      report.line('invalid', 'TANDEM_OPERATORS', `${file} does not exist and its folder is not writable`);
    }
  }
}

/** Any HTTP answer means the origin is reachable; connection and certificate errors do not. */
async function checkOrigin(origin: string, ca: string | null, timeoutMs: number, report: Report): Promise<void> {
  const started = Date.now();
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL('/', origin);
      const options: https.RequestOptions = {
        method: 'GET',
        timeout: timeoutMs,
        headers: { 'user-agent': 'tandem-check', accept: 'text/html' },
      };
      if (ca) options.ca = [...tls.rootCertificates, ca];
      const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
    const ms = Date.now() - started;
    if (status >= 500) report.line('warn', `origin ${origin}`, `reachable but answered ${status} (${ms} ms)`);
    else report.line('ok', `origin ${origin}`, `answered ${status} in ${ms} ms`);
  } catch (err) {
    report.line('unreachable', `origin ${origin}`, `unreachable: ${originError(err as NodeJS.ErrnoException, ca !== null)}`);
  }
}

function originError(err: NodeJS.ErrnoException, hasCa: boolean): string {
  const tlsCodes = [
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
  ];
  if (err.code && tlsCodes.includes(err.code)) {
    return `its certificate is not trusted (${err.code}: ${err.message})${hasCa ? '' : '; if it is signed by a private CA, set TANDEM_CA_FILE'}`;
  }
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

async function checkStore(config: Config, report: Report): Promise<void> {
  if (!config.redisUrl && config.redisCluster.length === 0) {
    report.line('ok', 'store', 'embedded memory store (one process only: sessions do not survive a restart or span replicas)');
    return;
  }
  const what = config.redisUrl
    ? `redis ${safeRedisUrl(config.redisUrl)}`
    : `redis cluster ${config.redisCluster.map((s) => `${s.host}:${s.port}`).join(',')}`;
  const opening = createStore({ redisUrl: config.redisUrl, redisCluster: config.redisCluster });
  const started = Date.now();
  try {
    const store: Store = await withTimeout(opening, CHECK_TIMEOUT_MS, what);
    await withTimeout(store.ping(), CHECK_TIMEOUT_MS, what);
    report.line('ok', 'store', `${what} answered in ${Date.now() - started} ms`);
  } catch (err) {
    report.line('unreachable', 'store', `${what} unreachable: ${(err as Error).message}`);
  } finally {
    // A store that opens after the timeout is still closed, so nothing keeps reconnecting.
    void opening.then((s) => withTimeout(s.close(), CHECK_TIMEOUT_MS, what)).catch(() => {});
  }
}

/** The URL without its password, for printing. */
export function safeRedisUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return '(unparsable URL)';
  }
}
