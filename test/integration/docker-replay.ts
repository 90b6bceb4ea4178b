/**
 * Replays a Dockerfile without a Docker engine: parses its instructions and runs them in
 * per-stage folders under a temporary root, so a test exercises the image's real build and
 * run commands (not a hand-copied imitation of them).
 *
 * Each stage gets its own folder standing in for the container's `/`; WORKDIR, COPY (from the
 * build context or `--from` another stage) and ENV are applied to it, and RUN executes with
 * `sh -c` in the mapped working directory. A RUN that names an absolute path is refused: it
 * would touch this machine rather than the stage.
 */

import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string | null;
  readonly image: string;
  readonly instructions: Instruction[];
}

/** Instructions grouped by stage; comments, parser directives and continuations handled. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, '');
      i++;
      // Comment lines inside a continuation are dropped, as Docker does.
      if (/^\s*#/.test(lines[i])) {
        line += ' \\';
        continue;
      }
      line += ' ' + lines[i].trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot parse ${JSON.stringify(line)}`);
    const ins: Instruction = { keyword: m[1].toUpperCase(), args: m[2].trim(), line: start + 1 };
    if (ins.keyword === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!f) throw new Error(`Dockerfile line ${ins.line}: bad FROM`);
      stages.push({ image: f[1], name: f[2] ?? null, instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before FROM`);
    stages[stages.length - 1].instructions.push(ins);
  }
  return stages;
}

/** Splits shell-like words: quotes and backslashes, no expansion. */
export function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

/** `ENV a=1 b="two words"` or the legacy `ENV a 1`. */
export function parseEnv(args: string): Record<string, string> {
  const w = words(args);
  if (w.length >= 1 && !w[0].includes('=')) return { [w[0]]: args.slice(args.indexOf(w[0]) + w[0].length).trim() };
  const env: Record<string, string> = {};
  for (const pair of w) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** An exec-form (JSON array) command, or a shell form run by `sh -c`. */
export function parseCommand(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return ['/bin/sh', '-c', trimmed];
}

/** Leading `--name=value` options of COPY and HEALTHCHECK, and what follows them. */
export function options(args: string): { opts: Record<string, string>; rest: string } {
  const opts: Record<string, string> = {};
  let rest = args.trim();
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s*/.exec(rest);
    if (!m) return { opts, rest };
    opts[m[1]] = m[2];
    rest = rest.slice(m[0].length);
  }
}

export interface Healthcheck {
  readonly opts: Record<string, string>;
  readonly command: string[];
}

/** The state of a replayed stage: where its `/` is, its ENV, WORKDIR and USER. */
export interface ReplayedStage {
  readonly name: string | null;
  readonly root: string;
  readonly env: Record<string, string>;
  readonly workdir: string;
  readonly user: string;
  readonly cmd: string[] | null;
  readonly healthcheck: Healthcheck | null;
  readonly exposed: string[];
  /** The host folder standing for a container path. */
  path(containerPath: string): string;
}

export interface ReplayOptions {
  /** The build context (already filtered by .dockerignore). */
  context: string;
  /** Where the stage folders go. */
  into: string;
  /** Extra environment for RUN steps (e.g. npm cache settings); PATH and HOME come from this process. */
  runEnv?: Record<string, string>;
  /** Each RUN's time limit. */
  runTimeoutMs?: number;
  log?: (line: string) => void;
}

/** Builds every stage in order; resolves with the replayed stages (the last is the image). */
export async function replay(stages: Stage[], opts: ReplayOptions): Promise<ReplayedStage[]> {
  const done: ReplayedStage[] = [];
  for (const [index, stage] of stages.entries()) {
    const root = join(opts.into, `stage-${index}`);
    mkdirSync(root, { recursive: true });
    const env: Record<string, string> = {};
    let workdir = '/';
    let user = 'root';
    let cmd: string[] | null = null;
    let healthcheck: Healthcheck | null = null;
    const exposed: string[] = [];
    const path = (p: string) => join(root, posix.resolve(workdir, p));
    for (const ins of stage.instructions) {
      opts.log?.(`[${stage.name ?? index}] ${ins.keyword} ${ins.args.slice(0, 120)}`);
      switch (ins.keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, ins.args);
          mkdirSync(path('.'), { recursive: true });
          break;
        case 'ENV':
          Object.assign(env, parseEnv(ins.args));
          break;
        case 'USER':
          user = ins.args.trim();
          break;
        case 'EXPOSE':
          exposed.push(...words(ins.args));
          break;
        case 'CMD':
          cmd = parseCommand(ins.args);
          break;
        case 'HEALTHCHECK': {
          const { opts: o, rest } = options(ins.args);
          const m = /^CMD\s+(.*)$/s.exec(rest);
          if (!m) throw new Error(`Dockerfile line ${ins.line}: HEALTHCHECK without CMD`);
          healthcheck = { opts: o, command: parseCommand(m[1]) };
          break;
        }
        case 'STOPSIGNAL':
        case 'LABEL':
        case 'ARG':
          break;
        case 'COPY': {
          const { opts: o, rest } = options(ins.args);
          const parts = rest.trim().startsWith('[') ? (JSON.parse(rest) as string[]) : words(rest);
          const dest = parts.pop()!;
          let from = opts.context;
          let fromStage: ReplayedStage | null = null;
          if (o.from) {
            fromStage = done.find((s) => s.name === o.from) ?? done[Number(o.from)] ?? null;
            if (!fromStage) throw new Error(`Dockerfile line ${ins.line}: no stage ${o.from}`);
            from = fromStage.root;
          }
          const toDir = dest.endsWith('/') || parts.length > 1;
          for (const src of parts) {
            const source = fromStage ? join(from, posix.resolve('/', src)) : join(from, posix.normalize(src));
            if (!existsSync(source)) throw new Error(`Dockerfile line ${ins.line}: COPY source ${src} does not exist`);
            const target = path(dest);
            if (statSync(source).isDirectory()) {
              mkdirSync(target, { recursive: true });
              cpSync(source, target, { recursive: true, verbatimSymlinks: true });
            } else {
              const file = toDir ? join(target, basename(source)) : target;
              mkdirSync(dirname(file), { recursive: true });
              cpSync(source, file);
            }
          }
          break;
        }
        case 'RUN': {
          const command = parseCommand(ins.args);
          const script = command.join(' ');
          if (/(^|[\s=:'"])\/(?!dev\/null)/.test(ins.args)) {
            throw new Error(`Dockerfile line ${ins.line}: RUN names an absolute path, which cannot be replayed safely: ${script}`);
          }
          await run(command, path('.'), { ...(opts.runEnv ?? {}), ...env }, opts.runTimeoutMs ?? 180_000, opts.log);
          break;
        }
        default:
          throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} is not replayed by this test`);
      }
    }
    const wd = workdir;
    done.push({ name: stage.name, root, env, workdir: wd, user, cmd, healthcheck, exposed, path: (p) => join(root, posix.resolve(wd, p)) });
  }
  return done;
}

function run(command: string[], cwd: string, env: Record<string, string>, timeoutMs: number, log?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      log?.(out.trim().split('\n').slice(-3).join('\n'));
      if (code === 0) resolve();
      else reject(new Error(`${command.join(' ')} failed (${signal ?? code}):\n${out.slice(-4000)}`));
    });
  });
}

/** `.dockerignore` rules: `*`, `?`, `**`, leading `/`, `!` exceptions; the last match wins. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, '')).replace(/\/+$/, '');
      let re = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === '*' && pattern[i + 1] === '*') {
          re += '.*';
          i++;
          if (pattern[i + 1] === '/') i++;
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      // A rule that names a folder excludes everything below it.
      return { negate, re: new RegExp(`^${re}(/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(path)) ignored = !r.negate;
    return ignored;
  };
}

/**
 * The build context `docker build .` would send: the working tree's files (tracked, and new
 * ones that git does not ignore), less what .dockerignore excludes, copied to `into`.
 */
export function buildContext(repo: string, into: string): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: repo,
    maxBuffer: 64 * 1024 * 1024,
  })
    .toString('utf8')
    .split('\0')
    .filter(Boolean);
  const ignoreFile = join(repo, '.dockerignore');
  const ignored = existsSync(ignoreFile) ? dockerignore(readFileSync(ignoreFile, 'utf8')) : () => false;
  const files = listed.filter((f) => !ignored(f) && existsSync(join(repo, f)) && statSync(join(repo, f)).isFile());
  for (const f of files) {
    mkdirSync(dirname(join(into, f)), { recursive: true });
    cpSync(join(repo, f), join(into, f));
  }
  return files;
}
