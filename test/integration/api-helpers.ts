/** Shared by the API tests: a gateway with two operator accounts, and small request helpers. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Operators } from '../../gateway/sessions/operators.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

export interface ApiGateway {
  gw: TestGateway;
  url: string;
  operatorsFile: string;
  close(): Promise<void>;
}

/** A gateway (not in demo mode) whose operators file holds alice/alice-pw and bob/bob-pw. */
export async function startApiGateway(env: Record<string, string> = {}): Promise<ApiGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-api-'));
  const operatorsFile = join(dir, 'operators.jsonl');
  const ops = new Operators(operatorsFile);
  await ops.add('alice', 'alice-pw');
  await ops.add('bob', 'bob-pw');
  await ops.add('carol', 'carol-pw');
  const gw = await startTestGateway({ TANDEM_ORIGIN: 'http://127.0.0.1:9', TANDEM_OPERATORS: operatorsFile, ...env });
  return {
    gw,
    url: gw.url,
    operatorsFile,
    async close() {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  body: Record<string, unknown> & { error?: string; message?: string };
  headers: Headers;
  text: string;
}

export async function call(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; cookie?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await fetch(base + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    redirect: 'manual',
  });
  const text = await res.text();
  let body: Reply['body'] = {};
  try {
    body = JSON.parse(text) as Reply['body'];
  } catch {
    /* not JSON (a log, a page) */
  }
  return { status: res.status, body, headers: res.headers, text };
}

export async function login(base: string, name: string): Promise<string> {
  const r = await call(base, 'POST', '/__tandem/api/login', { body: { name, password: `${name}-pw` } });
  if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${r.text}`);
  return r.body.token as string;
}

/** The `name=value` part of a Set-Cookie header for `name`. */
export function cookieFrom(headers: Headers, name: string): { pair: string; attributes: string } | null {
  for (const line of headers.getSetCookie()) {
    if (line.startsWith(`${name}=`)) return { pair: line.split(';')[0], attributes: line };
  }
  return null;
}
