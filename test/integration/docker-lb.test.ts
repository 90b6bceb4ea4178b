/**
 * deploy/nginx.conf, the compose stack's load balancer, run by Debian's nginx in front of two
 * real gateway processes sharing a real Redis. What differs from compose is only addressing:
 * the replicas' names become loopback ports, the listen port a free one, and the `resolve`
 * parameter and Docker's resolver (nginx 1.27.3+, Docker DNS) are dropped for Debian's nginx.
 */

import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway.js';
import { startRedis, freePort } from '../helpers/redis.js';
import { startTinyOrigin, ORIGIN_TITLE } from './ops-origin.js';
import { connectHub } from './ops-hub.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const NGINX = process.env.TANDEM_NGINX ?? '/usr/sbin/nginx';

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Front-door requests a replica counted for the origin route (its own metrics, not via the balancer). */
async function originRequests(gw: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${gw.url}/__tandem/metrics`)).text();
  return [...text.matchAll(/^tandem_http_requests_total\{route="origin",status_class="2xx"\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
}

t.test(
  'load balancer: deploy/nginx.conf spreads requests and hub sockets over both replicas, and rides out a replica shutdown',
  async (t) => {
    const origin = await startTinyOrigin();
    t.teardown(() => origin.close());
    const redis = await startRedis();
    t.teardown(() => redis.close());
    const env = { TANDEM_ORIGIN: origin.url, TANDEM_REDIS_URL: redis.url };
    const replicas = [await spawnGateway(env), await spawnGateway(env)];
    t.teardown(() => Promise.all(replicas.map((r) => r.stop('SIGKILL'))));

    // The names and ports compose gives the replicas, from docker-compose.yml itself.
    const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { build?: unknown; command?: unknown; ports?: string[] }>;
    };
    const names = Object.entries(compose.services)
      .filter(([, s]) => s.build !== undefined && s.command === undefined)
      .map(([n]) => n);
    t.equal(names.length, 2);
    const published = Object.values(compose.services).find((s) => s.ports?.length)!.ports![0];
    const containerPort = published.split(':').pop()!;

    const dir = mkdtempSync(join(tmpdir(), 'tandem-lb-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'logs'));
    const port = await freePort();
    let conf = readFileSync(join(REPO, 'deploy/nginx.conf'), 'utf8');
    names.forEach((name, i) => {
      conf = conf.replace(new RegExp(`server\\s+${name}:\\d+`, 'g'), `server 127.0.0.1:${replicas[i].port}`);
    });
    conf = conf
      .replace(/^\s*resolver\s[^;]*;/m, '')
      .replace(/\s+resolve(?=[\s;])/g, '')
      .replace(new RegExp(`listen\\s+${containerPort};`), `listen 127.0.0.1:${port};`)
      .replace('pid /tmp/nginx.pid;', `pid ${join(dir, 'nginx.pid')};`)
      .replace('access_log /dev/stdout tandem;', `access_log ${join(dir, 'access.log')} tandem;`)
      .replace('error_log /dev/stderr warn;', `error_log ${join(dir, 'error.log')} warn;`);
    // As the unprivileged user nginx would switch to, it could not read a root-only temp dir.
    conf = `user root;\n${conf}`;
    writeFileSync(join(dir, 'nginx.conf'), conf);

    const nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so teardown kills the workers too: a worker orphaned by killing
      // only the master keeps this test's stdout open and the file never finishes.
      detached: true,
    });
    let nginxOut = '';
    nginx.stdout.on('data', (d) => (nginxOut += d));
    nginx.stderr.on('data', (d) => (nginxOut += d));
    t.teardown(() => {
      try {
        process.kill(-nginx.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    });
    const lb = `http://127.0.0.1:${port}`;
    await until('nginx to answer', async () => (await fetch(`${lb}/__lb/healthz`)).ok).catch((err: Error) => {
      throw new Error(`${err.message}: ${nginxOut} ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    });

    // Pages through the balancer, from both replicas.
    const before = await Promise.all(replicas.map(originRequests));
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${lb}/page/${i}`, { headers: { 'sec-fetch-dest': 'iframe' } });
      t.equal(r.status, 200);
      t.match(await r.text(), ORIGIN_TITLE);
      t.match(r.headers.get('x-request-id'), /^[0-9a-f]{32}$/, "the balancer's request id reaches the gateway and comes back");
    }
    const after = await Promise.all(replicas.map(originRequests));
    t.ok(
      after.every((n, i) => n > before[i]),
      `both replicas served pages (${before} → ${after})`,
    );
    t.equal((await fetch(`${lb}/__tandem/metrics`)).status, 404, 'metrics are not served through the balancer');

    // Hub sockets through the balancer: two participants, on whichever replicas, see each other.
    const created = await fetch(`${lb}/__tandem/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const session = (await created.json()) as { token: string };
    const a = await connectHub(lb, session.token);
    t.teardown(() => a.close());
    const b = await connectHub(lb, session.token);
    t.teardown(() => b.close());
    a.send({ k: 'top/scroll', op: 'scroll', a: 'all', d: { x: 0, y: 321 }, c: 'lb-1' });
    await b.until('the command to cross the balancer', () => b.messages.some((m) => m.op === 'scroll' && (m.d as { y: number }).y === 321));
    t.pass('a command from one hub socket reaches the other through the balancer');

    // A replica shuts down: requests keep succeeding through the balancer.
    const stopping = replicas[0].stop('SIGTERM');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${lb}/during/${i}`, { headers: { 'sec-fetch-dest': 'iframe' } });
      statuses.push(r.status);
      await r.text();
    }
    t.equal(await stopping, 0, 'the replica stopped cleanly');
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${lb}/after/${i}`, { headers: { 'sec-fetch-dest': 'iframe' } });
      statuses.push(r.status);
      await r.text();
    }
    t.same(
      statuses.filter((s) => s !== 200),
      [],
      'no request failed while a replica went away',
    );

    const access = readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n');
    t.ok(access.length >= 20, 'the balancer logged its requests');
    for (const line of access.slice(0, 3)) t.match(JSON.parse(line) as object, { service: 'lb', status: Number, reqId: /^[0-9a-f]{32}$/ });
    t.notMatch(access.join('\n'), /token=/, 'query strings (hub tokens) are not in the balancer log');
    nginx.kill('SIGQUIT');
  },
);
