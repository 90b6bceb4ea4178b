#!/usr/bin/env node
/**
 * `npx tandem`: with no subcommand (or only flags) it starts the gateway, like main.js.
 *   tandem operator add NAME [--operators FILE]   adds or replaces an operator; password on stdin
 *   tandem operator remove NAME [--operators FILE] removes an operator; their logins and tokens end
 *   tandem webhook-key                            prints the key that verifies webhook signatures
 *   tandem check [--flags]                        validates the configuration, reaches origins and store
 * Bad input: exit code 2 and one line on stderr.
 */

import { loadConfig, ConfigError, type Config } from './config.js';
import { run } from './run.js';
import { Operators, checkName, checkPassword } from './sessions/operators.js';
import { webhookKey } from './sessions/webhooks.js';
import { checkCommand } from './ops/check.js';

function fail(line: string): never {
  process.stderr.write(`tandem: ${line}\n`);
  process.exit(2);
}

function config(argv: readonly string[]): Config {
  try {
    return loadConfig(process.env, argv);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems[0]);
    throw err;
  }
}

/** The first line of stdin (a password manager or `echo` may add a newline; it is not part of it). */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (process.stdin.isTTY && (chunk as Buffer).includes(10)) break;
    if (size > 4096) fail('operator add: the password on stdin is too long');
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

async function operatorAdd(args: string[]): Promise<void> {
  const [name, ...flags] = args;
  if (!name || name.startsWith('--')) fail('operator add: usage: tandem operator add NAME (the password is read from stdin)');
  const badName = checkName(name);
  if (badName) fail(`operator add: ${JSON.stringify(name)} is not a valid name: ${badName}`);
  const c = config(flags);
  const password = await readPassword();
  const badPassword = checkPassword(password);
  if (badPassword) fail(`operator add: ${badPassword} (read from stdin)`);
  await new Operators(c.operatorsFile).add(name, password);
  process.stdout.write(`tandem: operator ${name} saved in ${c.operatorsFile}\n`);
}

async function operatorRemove(args: string[]): Promise<void> {
  const [name, ...flags] = args;
  if (!name || name.startsWith('--')) fail('operator remove: usage: tandem operator remove NAME');
  const c = config(flags);
  if (!(await new Operators(c.operatorsFile).remove(name)))
    fail(`operator remove: there is no operator ${JSON.stringify(name)} in ${c.operatorsFile}`);
  process.stdout.write(`tandem: operator ${name} removed from ${c.operatorsFile}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  if (command === undefined || command.startsWith('--')) return run(argv);
  if (command === 'operator' && sub === 'add') return operatorAdd(rest);
  if (command === 'operator' && sub === 'remove') return operatorRemove(rest);
  if (command === 'check') process.exit(await checkCommand(process.env, argv.slice(1), process.stdout));
  if (command === 'webhook-key') {
    const c = config(argv.slice(1));
    if (c.secretGenerated) fail('webhook-key: TANDEM_SECRET is not set, so there is no stable key');
    process.stdout.write(webhookKey(c.secret).toString('hex') + '\n');
    return;
  }
  fail(
    `unknown command ${JSON.stringify([command, sub].filter(Boolean).join(' '))}: try "tandem operator add NAME", "tandem operator remove NAME" or "tandem --origin URL"`,
  );
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`tandem: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
