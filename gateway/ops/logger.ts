/**
 * Structured JSON logs (pino), one object a line on stdout, level from TANDEM_LOG_LEVEL.
 *
 * Nothing secret may reach a log line: the serializers below shape the usual fields (`url`,
 * `req`, `res`, `headers`, `err`) so that query values, cookies, authorization headers and
 * tokens are dropped before they are written, and the redact paths catch the same names
 * anywhere one level down. Masked field values never reach the server at all, so they cannot
 * be logged; command data (`d`) is never logged whole for the same reason.
 */

import { pino, stdSerializers, type Logger, type DestinationStream } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogLevel } from '../config.js';

export const CENSOR = '[redacted]';

/** Header names never written to a log. */
const SECRET_HEADERS = new Set([
  'cookie',
  'set-cookie',
  'authorization',
  'proxy-authorization',
  'x-tandem-token',
  'sec-websocket-key',
  'sec-websocket-protocol',
]);

/** Field names censored wherever they stand in a logged object (top level and one below). */
const SECRET_KEYS = ['token', 'password', 'secret', 'cookie', 'cookies', 'authorization', 'd', 'value', 'values'];

/**
 * A URL for the log: the path is kept, every query value is replaced. Query strings carry hub
 * tokens (`/__tandem/hub?token=…`) and, on a bank's own pages, anything at all, so keeping
 * only the parameter names is the one rule that is safe without knowing the origin.
 */
export function logUrl(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const q = raw.indexOf('?');
  if (q < 0) return raw;
  const hash = raw.indexOf('#', q);
  const query = raw.slice(q + 1, hash < 0 ? undefined : hash);
  const names = query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? pair : `${pair.slice(0, eq)}=${CENSOR}`;
    });
  return `${raw.slice(0, q)}?${names.join('&')}`;
}

export function logHeaders(headers: unknown): unknown {
  if (!headers || typeof headers !== 'object') return headers;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    if (SECRET_HEADERS.has(lower)) out[name] = CENSOR;
    else if (lower === 'referer' || lower === 'location' || lower === 'content-location') out[name] = logUrl(value);
    else out[name] = value;
  }
  return out;
}

function logReq(req: unknown): unknown {
  if (!req || typeof req !== 'object' || !('method' in req)) return req;
  const r = req as IncomingMessage;
  return {
    method: r.method,
    url: logUrl(r.url),
    remote: r.socket?.remoteAddress,
    ua: r.headers?.['user-agent'],
  };
}

function logRes(res: unknown): unknown {
  if (!res || typeof res !== 'object' || !('statusCode' in res)) return res;
  const r = res as ServerResponse;
  return { status: r.statusCode };
}

const SECRET_KEY_SET = new Set(SECRET_KEYS);
/** Objects that a serializer rewrites into a safe shape of its own (logReq, logRes, stdSerializers.err). */
const SERIALIZED = new Set(['req', 'res', 'err', 'error']);
const NESTED_SECRET_HEADERS = ['cookie', 'authorization', 'set-cookie'];

/**
 * A logged object with every secret-named field censored, at the top level and one level below
 * (and a nested `headers` object's cookie and authorization): the same as the redact paths it
 * replaces. Objects are copied only where something is censored.
 */
export function censorSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj;
  for (const key in obj) {
    const v = obj[key];
    let censored: unknown = v;
    if (SECRET_KEY_SET.has(key)) censored = CENSOR;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !SERIALIZED.has(key))
      censored = censorInner(v as Record<string, unknown>);
    if (censored !== v) {
      if (out === obj) out = { ...obj };
      out[key] = censored;
    }
  }
  return out;
}

function censorInner(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj;
  const set = (key: string, value: unknown) => {
    if (out === obj) out = { ...obj };
    out[key] = value;
  };
  for (const key in obj) {
    if (SECRET_KEY_SET.has(key)) set(key, CENSOR);
    else if (key === 'headers') {
      const h = obj[key];
      if (h === null || typeof h !== 'object') continue;
      const hidden = NESTED_SECRET_HEADERS.filter((name) => name in h);
      if (hidden.length > 0) set(key, { ...h, ...Object.fromEntries(hidden.map((name) => [name, CENSOR])) });
    }
  }
  return out;
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tandem', pid: process.pid },
      serializers: {
        err: stdSerializers.err,
        error: stdSerializers.err,
        url: logUrl,
        headers: logHeaders,
        req: logReq,
        res: logRes,
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        // `"level":"info"` reads better in a log search than pino's numeric 30.
        level: (label) => ({ level: label }),
        // Censoring here, not with pino's redact paths: its wildcard paths (`*.token`) cost about
        // 10 µs a line, more than the rest of the line; this pass costs under 1 µs.
        log: censorSecrets,
      },
    },
    destination,
  );
}
