// What `npm test` needs from the machine, installed when missing, so that the README's one
// command passes on a fresh machine: Debian's chromium (browser tests), redis-server and
// redis-tools (the store's integration tests, Redis and Cluster), openssl (TLS tests) and
// nginx-light (the compose stack's load-balancer config). apt-get is used when we are root;
// otherwise the missing packages are named and the run stops.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

const missing = [];
if (!has('chromium') && !existsSync('/usr/bin/chromium')) missing.push('chromium');
if (!has('redis-server')) missing.push('redis-server');
if (!has('redis-cli')) missing.push('redis-tools');
if (!has('openssl')) missing.push('openssl');
if (!existsSync('/usr/sbin/nginx')) missing.push('nginx-light');

if (missing.length > 0) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !has('apt-get')) {
    console.error(`npm test needs these Debian packages: ${missing.join(' ')} (install them, or run as root with apt-get)`);
    process.exit(1);
  }
  console.log(`installing: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
}
