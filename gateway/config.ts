/**
 * Configuration: one table of variables, one loadConfig(env, argv) that validates everything
 * at once and returns a frozen Config. Nothing else in the gateway reads process.env.
 * Flags are the variables in kebab case: TANDEM_REDIS_URL = --redis-url.
 */

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { parseTrustedProxy } from './identity/client-address.js';

export type OperatorControl = 'always' | 'ask' | 'never';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Config {
  /** The primary origin (`https://www.bank.example`), or null in demo mode until the demo starts. */
  readonly origin: string | null;
  readonly demo: boolean;
  /** Further origins that may be proxied, normalised (`https://static.bank.example`). */
  readonly allow: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string | null;
  /**
   * The operator side's own origin (TANDEM_CONSOLE_URL): console, session pages and operator
   * REST calls are served there and nowhere else. Demo: `http://localhost:<port>`. Null: one
   * origin for everything (a warning at start). Without a port, any port of that host.
   */
  readonly consoleUrl: string | null;
  readonly redisUrl: string | null;
  readonly redisCluster: readonly { host: string; port: number }[];
  readonly secret: string;
  readonly secretGenerated: boolean;
  readonly operatorsFile: string;
  /** Extra selector list whose field values never leave the customer's browser ('' for none). */
  readonly mask: string;
  readonly operatorControl: OperatorControl;
  readonly retentionMs: number;
  readonly logLevel: LogLevel;
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  /** Extra CA file trusted for HTTPS origins. */
  readonly caFile: string | null;
  /** A public port for the hub alone, for deployments that can route it (0: none). */
  readonly hubPort: number;
  /** The safety-net CSP: report-only (default) or enforcing. */
  readonly cspMode: 'report-only' | 'enforce';
  readonly originTimeoutMs: number;
  readonly webhookUrl: string | null;
  /** How long a signed hub token stays valid. */
  readonly tokenTtlMs: number;
  /** Addresses and CIDR ranges whose X-Forwarded-For and X-Forwarded-Proto are believed. */
  readonly trustedProxies: readonly string[];
}

interface Variable {
  name: string;
  /** Parses a raw value; throws an Error whose message says what is wrong. */
  parse(raw: string, into: Partial<Mutable<Config>>): void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(raw: string): number {
  const m = DURATION.exec(raw.trim());
  if (!m) throw new Error(`must be a duration like 500ms, 30s, 15m, 12h or 7d, got ${JSON.stringify(raw)}`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** `https://Bank.example:443/` → `https://bank.example`; throws unless http(s) with no path. */
export function normaliseOrigin(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new Error(`must be an absolute http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`must be http or https, got ${u.protocol}`);
  if (u.username || u.password) throw new Error('must not contain credentials');
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash)
    throw new Error(`must be an origin without a path, got ${JSON.stringify(raw)}`);
  return u.origin;
}

function port(raw: string, allowZero: boolean): number {
  if (!/^\d+$/.test(raw.trim())) throw new Error(`must be a port number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n > 65535 || (!allowZero && n === 0)) throw new Error(`must be between ${allowZero ? 0 : 1} and 65535, got ${n}`);
  return n;
}

function httpUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`must be an absolute http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`must be http or https, got ${u.protocol}`);
  return u;
}

function redisUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`must be a redis:// or rediss:// URL, got ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`must be a redis:// or rediss:// URL, got ${u.protocol}`);
  return raw;
}

const VARIABLES: Variable[] = [
  { name: 'TANDEM_ORIGIN', parse: (r, c) => void (c.origin = normaliseOrigin(r)) },
  {
    name: 'TANDEM_ALLOW',
    parse: (r, c) =>
      void (c.allow = r
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(normaliseOrigin)),
  },
  { name: 'TANDEM_PORT', parse: (r, c) => void (c.port = port(r, true)) },
  {
    name: 'TANDEM_HOST',
    parse: (r, c) => {
      const h = r.trim();
      if (!h || (!isIP(h) && !/^[a-zA-Z0-9.-]+$/.test(h))) throw new Error(`must be an IP address or host name, got ${JSON.stringify(r)}`);
      c.host = h;
    },
  },
  { name: 'TANDEM_PUBLIC_URL', parse: (r, c) => void (c.publicUrl = httpUrl(r).origin) },
  {
    name: 'TANDEM_CONSOLE_URL',
    parse: (r, c) => {
      const u = httpUrl(r);
      if (u.pathname !== '/' || u.search || u.hash) throw new Error(`must be an origin without a path, got ${JSON.stringify(r)}`);
      c.consoleUrl = u.origin;
    },
  },
  { name: 'TANDEM_REDIS_URL', parse: (r, c) => void (c.redisUrl = redisUrl(r)) },
  {
    name: 'TANDEM_REDIS_CLUSTER',
    parse: (r, c) => {
      c.redisCluster = r
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((seed) => {
          const m = /^([^:\s]+):(\d+)$/.exec(seed);
          if (!m) throw new Error(`must be comma-separated host:port seeds, got ${JSON.stringify(seed)}`);
          return { host: m[1], port: port(m[2], false) };
        });
      if (c.redisCluster.length === 0) throw new Error('must name at least one host:port seed');
    },
  },
  {
    name: 'TANDEM_SECRET',
    parse: (r, c) => {
      if (r.length < 16) throw new Error('must be at least 16 characters');
      c.secret = r;
    },
  },
  {
    name: 'TANDEM_OPERATORS',
    parse: (r, c) => {
      if (!r.trim()) throw new Error('must be a file path');
      c.operatorsFile = r.trim();
    },
  },
  {
    name: 'TANDEM_MASK',
    parse: (r, c) => {
      const s = r.trim();
      if (/[{};<>]/.test(s) || !balanced(s)) throw new Error(`must be a CSS selector list, got ${JSON.stringify(r)}`);
      c.mask = s;
    },
  },
  {
    name: 'TANDEM_OPERATOR_CONTROL',
    parse: (r, c) => {
      if (r !== 'always' && r !== 'ask' && r !== 'never') throw new Error(`must be always, ask or never, got ${JSON.stringify(r)}`);
      c.operatorControl = r;
    },
  },
  { name: 'TANDEM_RETENTION', parse: (r, c) => void (c.retentionMs = parseDuration(r)) },
  {
    name: 'TANDEM_LOG_LEVEL',
    parse: (r, c) => {
      const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
      if (!levels.includes(r)) throw new Error(`must be one of ${levels.join(', ')}, got ${JSON.stringify(r)}`);
      c.logLevel = r as LogLevel;
    },
  },
  { name: 'TANDEM_TLS_CERT', parse: (r, c) => void (c.tlsCert = nonEmpty(r)) },
  { name: 'TANDEM_TLS_KEY', parse: (r, c) => void (c.tlsKey = nonEmpty(r)) },
  { name: 'TANDEM_CA_FILE', parse: (r, c) => void (c.caFile = nonEmpty(r)) },
  { name: 'TANDEM_HUB_PORT', parse: (r, c) => void (c.hubPort = port(r, true)) },
  {
    name: 'TANDEM_CSP',
    parse: (r, c) => {
      if (r !== 'report-only' && r !== 'enforce') throw new Error(`must be report-only or enforce, got ${JSON.stringify(r)}`);
      c.cspMode = r;
    },
  },
  { name: 'TANDEM_ORIGIN_TIMEOUT', parse: (r, c) => void (c.originTimeoutMs = parseDuration(r)) },
  { name: 'TANDEM_WEBHOOK_URL', parse: (r, c) => void (c.webhookUrl = httpUrl(r).href) },
  { name: 'TANDEM_TOKEN_TTL', parse: (r, c) => void (c.tokenTtlMs = parseDuration(r)) },
  {
    name: 'TANDEM_TRUSTED_PROXIES',
    parse: (r, c) =>
      void (c.trustedProxies = Object.freeze(
        r
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map(parseTrustedProxy),
      )),
  },
];

/** Every variable's name, in table order (docs/config.md is checked against it). */
export const VARIABLE_NAMES: readonly string[] = VARIABLES.map((v) => v.name);

function nonEmpty(r: string): string {
  if (!r.trim()) throw new Error('must not be empty');
  return r.trim();
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}

export const DEFAULTS: Omit<Config, 'secret' | 'secretGenerated'> = {
  origin: null,
  demo: true,
  allow: [],
  port: 8080,
  host: '0.0.0.0',
  publicUrl: null,
  consoleUrl: null,
  redisUrl: null,
  redisCluster: [],
  operatorsFile: './operators.jsonl',
  mask: '',
  operatorControl: 'always',
  retentionMs: 7 * UNIT_MS.d,
  logLevel: 'info',
  tlsCert: null,
  tlsKey: null,
  caFile: null,
  hubPort: 0,
  cspMode: 'report-only',
  originTimeoutMs: 15_000,
  webhookUrl: null,
  tokenTtlMs: 12 * UNIT_MS.h,
  trustedProxies: [],
};

/** `--redis-url` → `TANDEM_REDIS_URL`. */
export function flagToVariable(flag: string): string {
  return 'TANDEM_' + flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase();
}

export class ConfigError extends Error {
  readonly code = 'TANDEM_ERR_CONFIG';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/**
 * Validates the environment and the flags (flags win) all at once. Throws ConfigError whose
 * `problems` are one line each, naming the variable.
 */
export function loadConfig(env: Record<string, string | undefined>, argv: readonly string[] = []): Config {
  const problems: string[] = [];
  const raw: Record<string, string> = {};
  for (const v of VARIABLES) {
    const value = env[v.name];
    if (value !== undefined && value !== '') raw[v.name] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      problems.push(`${arg}: unexpected argument`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const name = flag === '--redis' ? 'TANDEM_REDIS_URL' : flagToVariable(flag);
    if (!VARIABLES.some((v) => v.name === name)) {
      problems.push(`${flag}: unknown flag (flags are the TANDEM_ variables in kebab case, like --redis-url)`);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) {
      problems.push(`${name} (${flag}): missing value`);
      continue;
    }
    raw[name] = value;
  }

  const c: Partial<Mutable<Config>> = { ...DEFAULTS, allow: [], redisCluster: [] };
  for (const v of VARIABLES) {
    if (!(v.name in raw)) continue;
    try {
      v.parse(raw[v.name], c);
    } catch (err) {
      problems.push(`${v.name}: ${(err as Error).message}`);
    }
  }
  if (c.redisUrl && c.redisCluster && c.redisCluster.length > 0) {
    problems.push('TANDEM_REDIS_CLUSTER: set either TANDEM_REDIS_URL or TANDEM_REDIS_CLUSTER, not both');
  }
  if (Boolean(c.tlsCert) !== Boolean(c.tlsKey)) {
    problems.push(`${c.tlsCert ? 'TANDEM_TLS_KEY' : 'TANDEM_TLS_CERT'}: TANDEM_TLS_CERT and TANDEM_TLS_KEY go together`);
  }
  if (c.origin && c.allow?.includes(c.origin)) {
    problems.push('TANDEM_ALLOW: must not repeat TANDEM_ORIGIN');
  }
  if (c.consoleUrl && c.publicUrl && new URL(c.consoleUrl).host === new URL(c.publicUrl).host) {
    problems.push('TANDEM_CONSOLE_URL: must be a host of its own, not that of TANDEM_PUBLIC_URL');
  }
  if (c.consoleUrl && c.origin && !c.publicUrl) {
    problems.push(
      "TANDEM_CONSOLE_URL: needs TANDEM_PUBLIC_URL too (the customers' origin, where operators' mirrors load the page's images and styles)",
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  c.demo = !c.origin;
  // The demo's operators use localhost beside the customers' 127.0.0.1: two origins, one port.
  if (c.demo && !c.consoleUrl) c.consoleUrl = c.port ? `http://localhost:${c.port}` : 'http://localhost';
  c.secretGenerated = !c.secret;
  c.secret ??= randomBytes(32).toString('base64url');
  return Object.freeze(c as Config);
}
