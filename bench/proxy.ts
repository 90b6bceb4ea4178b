/**
 * The proxy's cost: one 100 KB bank-like HTML page (absolute links, images, forms, inline
 * styles) served by the origin directly, through raw http-proxy passthrough (the baseline), a
 * bare node:http pipe (to see what http-proxy itself costs), through the Tandem gateway
 * (rewritten with the hooks injected; with br; and the same bytes as a passthrough download),
 * and through the npm package `unblocker` (a rewriting proxy peer), side by side in one run.
 *
 * Every server runs in its own child process and the load generator (autocannon) in another,
 * so the subject under load has a core of its own (the machine has two). Two load levels:
 * 1 connection (latency a user feels) and 16 connections (throughput). Each subject is
 * measured in two interleaved rounds; the figures are the medians of the rounds.
 *
 * autocannon rounds latencies to whole milliseconds, too coarse for "what does the gateway add
 * at p50". So the added latency is measured first, on its own: single requests timed with
 * hrtime from sending to the last byte of the body, one keep-alive connection per subject, the
 * subjects taking turns request by request (so a noisy moment on this shared machine hits them
 * all alike); medians and p99 of --requests each.
 *
 * Server CPU per request comes first, read from /proc (all the serving process's threads) around
 * sequential requests, subjects taking turns: the figure that a busy neighbour disturbs least.
 * The origin also serves a real stylesheet (/site.css) for the CSS case.
 *
 *   npm run build && node dist/bench/proxy.js [--seconds 4] [--requests 400] [--cpu-only]
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const SELF = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- the page and the servers

function page(origin: string, bytes: number): Buffer {
  let body = '';
  for (let i = 0; body.length < bytes; i++) {
    body += `<div class="card" id="card-${i}"><h2>Account ${i}</h2>
<a href="${origin}/accounts/${i}?tab=overview">Open account ${i}</a> <a href="/help/${i}">Help</a>
<img src="${origin}/img/${i}.png" alt="" width="64" height="64">
<p>Your balance changed on ${(i % 28) + 1} March. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>
<form action="${origin}/transfer" method="post"><input name="amount"><button>Send</button></form>
<div style="background:url('${origin}/tile/${i % 50}.png')">Special rate</div>
</div>
`;
  }
  return Buffer.from(
    `<!doctype html><html><head><title>Accounts</title><link rel="stylesheet" href="${origin}/site.css"></head><body>${body}</body></html>`,
  );
}

/** A bank-like stylesheet of about `bytes`: rules with url()s of the origin, relative ones and an @import. */
function stylesheet(origin: string, bytes: number): Buffer {
  let css = `@import url("${origin}/base.css");\n`;
  for (let i = 0; css.length < bytes; i++) {
    css += `.card-${i} { background: #fff url("${origin}/img/bg-${i % 20}.png") no-repeat right top; padding: 4px ${i % 9}px; }
.card-${i} .icon { background-image: url(/icons/${i % 30}.svg); width: 16px; height: 16px; }
.card-${i}:hover { color: #0a3d62; border-color: rgba(10, 61, 98, 0.${i % 10}); }
`;
  }
  return Buffer.from(css);
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function serve(role: string, origin: string): Promise<number> {
  switch (role) {
    case 'origin': {
      let body: Buffer | null = null;
      let css: Buffer | null = null;
      const server = http.createServer((req, res) => {
        // A real stylesheet for the CSS case, rewritten as CSS (its url()s point at the origin).
        if (req.url?.startsWith('/site.css')) {
          res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'content-length': css!.length });
          return void res.end(css);
        }
        // /raw: the same bytes as a download, which every proxy streams through untouched.
        const type = req.url?.startsWith('/raw') ? 'application/octet-stream' : 'text/html; charset=utf-8';
        res.writeHead(200, { 'content-type': type, 'content-length': body!.length });
        res.end(body);
      });
      const port = await listen(server);
      body = page(`http://127.0.0.1:${port}`, 100 * 1024);
      css = stylesheet(`http://127.0.0.1:${port}`, 30 * 1024);
      return port;
    }
    case 'http-proxy': {
      const { default: httpProxy } = await import('http-proxy');
      const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
      const proxy = httpProxy.createProxyServer({ target: origin, agent });
      proxy.on('error', (_err, _req, res) => (res as http.ServerResponse).writeHead?.(502).end());
      return listen(http.createServer((req, res) => proxy.web(req, res)));
    }
    case 'node-pipe': {
      // The floor under any Node proxy: node:http in, node:http out, a keep-alive agent, pipes.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
      const target = new URL(origin);
      return listen(
        http.createServer((req, res) => {
          const up = http.request(
            {
              host: target.hostname,
              port: target.port,
              path: req.url,
              method: req.method,
              headers: { ...req.headers, host: target.host },
              agent,
            },
            (r) => {
              res.writeHead(r.statusCode ?? 502, r.headers);
              r.pipe(res);
            },
          );
          up.on('error', () => res.writeHead(502).end());
          req.pipe(up);
        }),
      );
    }
    case 'gateway': {
      const { loadConfig } = await import('../gateway/config.js');
      const { boot } = await import('../gateway/boot.js');
      const { createLogger } = await import('../gateway/ops/logger.js');
      const config = loadConfig({
        TANDEM_ORIGIN: origin,
        TANDEM_SECRET: 'bench-secret-0123456789abcdef',
        TANDEM_HOST: '127.0.0.1',
        TANDEM_PORT: '0',
        TANDEM_LOG_LEVEL: 'silent',
      });
      const running = await boot(config, { log: createLogger('silent') });
      return running.gateway.port;
    }
    case 'unblocker': {
      const Unblocker = require('unblocker') as new (
        config: Record<string, unknown>,
      ) => (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;
      const unblocker = new Unblocker({ prefix: '/proxy/' });
      return listen(
        http.createServer((req, res) =>
          unblocker(req, res, () => {
            res.writeHead(404).end();
          }),
        ),
      );
    }
    default:
      throw new Error(`unknown role ${role}`);
  }
}

// ---------------------------------------------------------------- orchestration

interface Child {
  proc: ChildProcess;
  port: number;
}

function startChild(role: string, origin = ''): Promise<Child> {
  const proc = spawn(process.execPath, [SELF, '--serve', role, origin], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /^port (\d+)$/m.exec(out);
      if (m) resolve({ proc, port: Number(m[1]) });
    });
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  bytes: number;
  errors: number;
}

function load(url: string, connections: number, seconds: number, headers: string[] = []): Promise<Figures> {
  const bin = require.resolve('autocannon/autocannon.js');
  const args = [bin, '-j', '-c', String(connections), '-d', String(seconds), ...headers.flatMap((h) => ['-H', h]), url];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out) as {
        requests: { average: number };
        latency: { p50: number; p99: number };
        throughput: { average: number };
        errors: number;
        non2xx: number;
        timeouts: number;
      };
      resolve({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        bytes: r.throughput.average,
        errors: r.errors + r.non2xx + r.timeouts,
      });
    });
  });
}

async function fetchBody(url: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.text();
}

/** Time of one GET from sending to the body's last byte, in ms, on `agent`'s connection. */
function timeOne(url: URL, agent: http.Agent, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get(url, { agent, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${url.href}: ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - start) / 1e6);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Per subject, `n` sequential timed requests, the subjects taking turns. */
async function interleavedLatency(
  subjects: { name: string; url: string; headers?: string[] }[],
  n: number,
): Promise<Map<string, number[]>> {
  const clients = subjects.map((s) => ({
    name: s.name,
    url: new URL(s.url),
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    headers: Object.fromEntries((s.headers ?? []).map((h) => h.split('=') as [string, string])),
  }));
  const times = new Map(subjects.map((s) => [s.name, [] as number[]]));
  for (let i = 0; i < n + 20; i++) {
    for (const c of clients) {
      const ms = await timeOne(c.url, c.agent, c.headers);
      if (i >= 20) times.get(c.name)!.push(ms); // the first 20 warm up connections and JIT
    }
  }
  for (const c of clients) c.agent.destroy();
  return times;
}

/** CPU time of every thread of a process so far, in ns (/proc/<pid>/task/<tid>/schedstat, Linux). */
function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/**
 * Server CPU per request, from /proc: per subject, `perRound` sequential requests on one
 * keep-alive connection between two reads of the serving process's CPU time (all its threads,
 * zlib's thread pool included), subjects taking turns round by round; medians of the rounds.
 */
async function cpuPerRequest(
  subjects: { name: string; url: string; headers?: string[]; pid: number }[],
  rounds: number,
  perRound: number,
): Promise<Map<string, number[]>> {
  const clients = subjects.map((s) => ({
    ...s,
    u: new URL(s.url),
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    h: Object.fromEntries((s.headers ?? []).map((h) => h.split('=') as [string, string])),
  }));
  const out = new Map(subjects.map((s) => [s.name, [] as number[]]));
  for (let round = 0; round < rounds + 1; round++) {
    for (const c of clients) {
      const before = cpuNs(c.pid);
      for (let i = 0; i < perRound; i++) await timeOne(c.u, c.agent, c.h);
      const us = (cpuNs(c.pid) - before) / 1e3 / perRound;
      if (round > 0) out.get(c.name)!.push(us); // round 0 warms up
    }
  }
  for (const c of clients) c.agent.destroy();
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main(): Promise<void> {
  const i = process.argv.indexOf('--seconds');
  const seconds = i > 0 ? Number(process.argv[i + 1]) : 4;
  const origin = await startChild('origin');
  const originUrl = `http://127.0.0.1:${origin.port}`;
  const children: Child[] = [origin];
  try {
    const subjects: { name: string; url: string; headers?: string[] }[] = [];
    subjects.push({ name: 'origin direct', url: `${originUrl}/accounts` });
    const raw = await startChild('http-proxy', originUrl);
    children.push(raw);
    subjects.push({ name: 'raw http-proxy passthrough', url: `http://127.0.0.1:${raw.port}/accounts` });
    const pipe = await startChild('node-pipe', originUrl);
    children.push(pipe);
    subjects.push({ name: 'bare node:http pipe', url: `http://127.0.0.1:${pipe.port}/accounts` });
    const gw = await startChild('gateway', originUrl);
    children.push(gw);
    subjects.push({ name: 'tandem gateway', url: `http://127.0.0.1:${gw.port}/accounts` });
    subjects.push({
      name: 'tandem gateway, br',
      url: `http://127.0.0.1:${gw.port}/accounts`,
      headers: ['accept-encoding=gzip, deflate, br'],
    });
    subjects.push({ name: 'tandem gateway, passthrough', url: `http://127.0.0.1:${gw.port}/raw` });
    const ub = await startChild('unblocker', originUrl);
    children.push(ub);
    subjects.push({ name: 'unblocker', url: `http://127.0.0.1:${ub.port}/proxy/${originUrl}/accounts` });

    // Same page everywhere; the rewriting proxies must really have rewritten it.
    const direct = await fetchBody(subjects[0].url);
    const viaGateway = await fetchBody(subjects[3].url);
    const viaUnblocker = await fetchBody(subjects[6].url);
    if (!viaGateway.includes('data-tandem-hooks') || viaGateway.includes(`${originUrl}/accounts/0`))
      throw new Error('the gateway did not rewrite the page');
    if (!viaUnblocker.includes(`/proxy/${originUrl}/accounts/0`)) throw new Error('unblocker did not rewrite the page');
    console.log(
      `page: ${direct.length} bytes direct, ${viaGateway.length} via the gateway, ${viaUnblocker.length} via unblocker; ${seconds} s per measurement, 2 rounds, medians\n`,
    );

    const viaGatewayCss = await fetchBody(`http://127.0.0.1:${gw.port}/site.css`);
    if (viaGatewayCss.includes(`${originUrl}/img/`) || !viaGatewayCss.includes('url("/img/bg-0.png")'))
      throw new Error('the gateway did not rewrite the stylesheet');

    // CPU per request of the serving process, the cost this machine's neighbours disturb least.
    const cpuSubjects = [
      { name: 'raw http-proxy passthrough', url: `http://127.0.0.1:${raw.port}/accounts`, pid: raw.proc.pid! },
      { name: 'raw http-proxy, CSS', url: `http://127.0.0.1:${raw.port}/site.css`, pid: raw.proc.pid! },
      { name: 'gateway, rewritten', url: `http://127.0.0.1:${gw.port}/accounts`, pid: gw.proc.pid! },
      { name: 'gateway, rewritten, br', url: `http://127.0.0.1:${gw.port}/accounts`, headers: ['accept-encoding=br'], pid: gw.proc.pid! },
      {
        name: 'gateway, rewritten, gzip',
        url: `http://127.0.0.1:${gw.port}/accounts`,
        headers: ['accept-encoding=gzip'],
        pid: gw.proc.pid!,
      },
      { name: 'gateway, passthrough', url: `http://127.0.0.1:${gw.port}/raw`, pid: gw.proc.pid! },
      { name: 'gateway, CSS', url: `http://127.0.0.1:${gw.port}/site.css`, pid: gw.proc.pid! },
      { name: 'gateway, CSS, br', url: `http://127.0.0.1:${gw.port}/site.css`, headers: ['accept-encoding=br'], pid: gw.proc.pid! },
    ];
    const cpu = await cpuPerRequest(cpuSubjects, 9, 60);
    const cpuOf = (name: string) => median(cpu.get(name)!);
    console.log('server CPU per request (µs, /proc schedstat of the serving process, all threads; 9 rounds × 60 taking turns, medians):');
    for (const s of cpuSubjects) console.log(`  ${s.name.padEnd(28)} ${cpuOf(s.name).toFixed(0).padStart(7)} µs`);
    const brRatio = cpuOf('gateway, rewritten, br') / cpuOf('gateway, rewritten');
    const passRatio = cpuOf('gateway, passthrough') / cpuOf('raw http-proxy passthrough');
    console.log(
      `  target: rewritten with br ≤ 2× rewritten without compression: ${brRatio.toFixed(2)}× ${brRatio <= 2 ? 'met' : 'NOT met'}`,
    );
    console.log(`  target: passthrough ≤ 1.5× raw http-proxy: ${passRatio.toFixed(2)}× ${passRatio <= 1.5 ? 'met' : 'NOT met'}\n`);
    if (process.argv.includes('--cpu-only')) return;

    const r = process.argv.indexOf('--requests');
    const requests = r > 0 ? Number(process.argv[r + 1]) : 400;
    const times = await interleavedLatency(subjects, requests);
    const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
    const baseline = median(times.get('raw http-proxy passthrough')!);
    console.log(`latency of one request, hrtime, ${requests} per subject taking turns (request sent → last byte):`);
    console.log(`  ${'subject'.padEnd(28)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}   p50 vs raw http-proxy`);
    for (const s of subjects) {
      const xs = times.get(s.name)!;
      const p50 = median(xs);
      const added = p50 - baseline;
      console.log(
        `  ${s.name.padEnd(28)} ${p50.toFixed(2).padStart(7)} ${quantile(xs, 0.99).toFixed(2).padStart(7)}   ${added >= 0 ? '+' : ''}${added.toFixed(2)} ms (${(p50 / baseline).toFixed(2)}×)`,
      );
    }
    const added = median(times.get('tandem gateway')!) - baseline;
    console.log(
      `  target: the gateway adds ≤ 3 ms at p50 over raw passthrough: +${added.toFixed(2)} ms ${added <= 3 ? 'met' : 'NOT met'}\n`,
    );

    for (const connections of [1, 16]) {
      const rounds = new Map<string, Figures[]>();
      for (let round = 0; round < 2; round++) {
        for (const s of subjects) {
          await load(s.url, connections, 1, s.headers); // warm-up
          const f = await load(s.url, connections, seconds, s.headers);
          if (f.errors > 0) throw new Error(`${s.name}: ${f.errors} errors`);
          rounds.set(s.name, [...(rounds.get(s.name) ?? []), f]);
        }
      }
      const med = (name: string, k: keyof Figures): number => median(rounds.get(name)!.map((f) => f[k]));
      const base = 'raw http-proxy passthrough';
      console.log(`${connections} connection${connections > 1 ? 's' : ''}:`);
      console.log(`  ${'subject'.padEnd(28)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}   vs raw http-proxy`);
      for (const s of subjects) {
        const rps = med(s.name, 'rps');
        const p50 = med(s.name, 'p50');
        const p99 = med(s.name, 'p99');
        const ratio = rps / med(base, 'rps');
        const added = p50 - med(base, 'p50');
        console.log(
          `  ${s.name.padEnd(28)} ${rps.toFixed(0).padStart(8)} ${p50.toFixed(2).padStart(7)} ${p99.toFixed(2).padStart(7)}   ${ratio.toFixed(2)}× req/s, ${added >= 0 ? '+' : ''}${added.toFixed(2)} ms p50`,
        );
      }
      const gwVsUb = med('tandem gateway', 'rps') / med('unblocker', 'rps');
      console.log(`  gateway / unblocker: ${gwVsUb.toFixed(2)}× req/s\n`);
    }
  } finally {
    for (const c of children) c.proc.kill('SIGKILL');
  }
}

if (process.argv[2] === '--serve') {
  const port = await serve(process.argv[3], process.argv[4] ?? '');
  console.log(`port ${port}`);
} else {
  await main();
}
