import t from 'tap';
import { loadConfig, ConfigError, parseDuration } from '../../../gateway/config.js';

function problems(env: Record<string, string>, argv: string[] = []): string[] {
  try {
    loadConfig(env, argv);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

t.test('config: no variables means demo mode with the contract defaults', async (t) => {
  const c = loadConfig({});
  t.equal(c.demo, true);
  t.equal(c.origin, null);
  t.equal(c.port, 8080);
  t.equal(c.host, '0.0.0.0');
  t.equal(c.operatorControl, 'always');
  t.equal(c.retentionMs, 7 * 86_400_000);
  t.equal(c.operatorsFile, './operators.jsonl');
  t.equal(c.secretGenerated, true);
  t.ok(c.secret.length >= 32);
  t.ok(Object.isFrozen(c));
});

t.test('config: every invalid value is named, one line each', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ TANDEM_ORIGIN: 'not a url' }, 'TANDEM_ORIGIN'],
    [{ TANDEM_ORIGIN: 'ftp://bank.example' }, 'TANDEM_ORIGIN'],
    [{ TANDEM_ORIGIN: 'https://bank.example/path' }, 'TANDEM_ORIGIN'],
    [{ TANDEM_ALLOW: 'https://a.example,nope' }, 'TANDEM_ALLOW'],
    [{ TANDEM_PORT: '70000' }, 'TANDEM_PORT'],
    [{ TANDEM_TRUSTED_PROXIES: '10.0.0.0/8, nginx' }, 'TANDEM_TRUSTED_PROXIES'],
    [{ TANDEM_TRUSTED_PROXIES: '10.0.0.1/40' }, 'TANDEM_TRUSTED_PROXIES'],
    [{ TANDEM_PORT: 'eighty' }, 'TANDEM_PORT'],
    [{ TANDEM_HOST: 'bad host!' }, 'TANDEM_HOST'],
    [{ TANDEM_PUBLIC_URL: 'gateway' }, 'TANDEM_PUBLIC_URL'],
    [{ TANDEM_REDIS_URL: 'http://localhost:6379' }, 'TANDEM_REDIS_URL'],
    [{ TANDEM_REDIS_CLUSTER: 'localhost' }, 'TANDEM_REDIS_CLUSTER'],
    [{ TANDEM_SECRET: 'short' }, 'TANDEM_SECRET'],
    [{ TANDEM_MASK: 'input{color:red}' }, 'TANDEM_MASK'],
    [{ TANDEM_OPERATOR_CONTROL: 'sometimes' }, 'TANDEM_OPERATOR_CONTROL'],
    [{ TANDEM_RETENTION: 'forever' }, 'TANDEM_RETENTION'],
    [{ TANDEM_TLS_CERT: '/tmp/cert.pem' }, 'TANDEM_TLS_KEY'],
  ];
  for (const [env, name] of cases) {
    const p = problems(env);
    t.equal(p.length, 1, `${JSON.stringify(env)} gives one problem`);
    t.match(p[0], new RegExp(`^${name}: `), `${JSON.stringify(env)} names ${name}`);
  }
  t.equal(problems({ TANDEM_PORT: 'x', TANDEM_RETENTION: 'y' }).length, 2, 'all problems are reported at once');
});

t.test('config: flags are the variables in kebab case and win over the environment', async (t) => {
  const c = loadConfig({ TANDEM_PORT: '9000' }, [
    '--port',
    '9100',
    '--redis-url=redis://127.0.0.1:6379',
    '--origin',
    'https://Bank.Example:443',
  ]);
  t.equal(c.port, 9100);
  t.equal(c.redisUrl, 'redis://127.0.0.1:6379');
  t.equal(c.origin, 'https://bank.example');
  t.equal(c.demo, false);
  t.match(problems({}, ['--no-such-flag', 'x'])[0], /--no-such-flag: unknown flag/);
});

t.test('config: durations', async (t) => {
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('30s'), 30_000);
  t.equal(parseDuration('7d'), 7 * 86_400_000);
  t.throws(() => parseDuration('7 days'));
});
