/**
 * Operator accounts: the operators file (TANDEM_OPERATORS), one JSON object a line,
 * `{name, salt, hash, created}`, the hash an scrypt of the password with a per-user salt.
 * The file is re-read when it changes, so `npx tandem operator add` takes effect without a
 * restart (`operator remove` too); a later line for the same name replaces an earlier one.
 */

import { scrypt as scryptCb, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile, rename, stat, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** scrypt cost: N = 2^15 (above the 2^14 floor), r = 8, p = 1, a 32-byte key. */
export const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32, maxmem: 64 * 1024 * 1024 } as const;

export interface OperatorRecord {
  name: string;
  /** base64 salt, 16 random bytes. */
  salt: string;
  /** `scrypt$N$r$p$<base64 key>`: the parameters travel with the hash so they can be raised later. */
  hash: string;
  /** ISO 8601. */
  created: string;
}

/** Names are what operators type and what other participants see: short, printable. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function checkName(name: unknown): string | null {
  if (typeof name !== 'string' || !NAME.test(name))
    return 'a name is 1 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit';
  return null;
}

export function checkPassword(password: unknown): string | null {
  if (typeof password !== 'string' || password.length < 4) return 'a password has at least 4 characters';
  if (password.length > 1024) return 'a password has at most 1024 characters';
  return null;
}

function scrypt(password: string, salt: Buffer, p: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, p.keylen, { N: p.N, r: p.r, p: p.p, maxmem: SCRYPT.maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(name: string, password: string, now = new Date()): Promise<OperatorRecord> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return {
    name,
    salt: salt.toString('base64'),
    hash: `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${key.toString('base64')}`,
    created: now.toISOString(),
  };
}

/** Constant-time check of a password against a record. Never throws on a damaged record. */
export async function verifyPassword(record: OperatorRecord, password: string): Promise<boolean> {
  const parts = record.hash.split('$');
  if (parts.length !== 5 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const expected = Buffer.from(parts[4], 'base64');
  if (!(N >= 1 << 14 && N <= 1 << 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && expected.length >= 16)) return false;
  try {
    const key = await scrypt(password, Buffer.from(record.salt, 'base64'), { N, r, p, keylen: expected.length });
    return timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}

export function parseOperators(text: string): Map<string, OperatorRecord> {
  const out = new Map<string, OperatorRecord>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as OperatorRecord;
      if (checkName(r.name) === null && typeof r.salt === 'string' && typeof r.hash === 'string') out.set(r.name, r);
    } catch {
      // A damaged line costs that one account, never the whole file.
    }
  }
  return out;
}

export class Operators {
  #records = new Map<string, OperatorRecord>();
  #mtimeMs = -1;
  #size = -1;
  #ino = -1;
  /** A password that is never right, so an unknown name costs the same scrypt as a known one. */
  #decoy: Promise<OperatorRecord> | null = null;
  #demo: OperatorRecord | null = null;

  constructor(readonly file: string) {}

  async #refresh(): Promise<void> {
    let st;
    try {
      st = await stat(this.file);
    } catch {
      this.#records = new Map();
      this.#mtimeMs = -1;
      return;
    }
    if (st.mtimeMs === this.#mtimeMs && st.size === this.#size && st.ino === this.#ino) return;
    this.#records = parseOperators(await readFile(this.file, 'utf8'));
    this.#mtimeMs = st.mtimeMs;
    this.#size = st.size;
    this.#ino = st.ino;
  }

  async get(name: string): Promise<OperatorRecord | null> {
    await this.#refresh();
    return this.#records.get(name) ?? (name === 'demo' ? this.#demo : null);
  }

  async list(): Promise<string[]> {
    await this.#refresh();
    return [...this.#records.keys()];
  }

  /** True when `name` exists and `password` is its password. */
  async verify(name: string, password: string): Promise<boolean> {
    const record = await this.get(name);
    if (record) return verifyPassword(record, password);
    this.#decoy ??= hashPassword('decoy', randomBytes(18).toString('base64'));
    await verifyPassword(await this.#decoy, password);
    return false;
  }

  /** Adds or replaces an account; rewrites the file atomically (write a temporary file, rename). */
  async add(name: string, password: string): Promise<OperatorRecord> {
    const bad = checkName(name) ?? checkPassword(password);
    if (bad) throw new Error(bad);
    const record = await hashPassword(name, password);
    const records = await this.#readFile();
    records.set(name, record);
    await this.#write(records);
    return record;
  }

  /**
   * Removes an account; false when there was none. Its console logins and hub tokens stop being
   * honoured at once: every use checks that the account still exists.
   */
  async remove(name: string): Promise<boolean> {
    const records = await this.#readFile();
    if (!records.delete(name)) return false;
    await this.#write(records);
    return true;
  }

  async #readFile(): Promise<Map<string, OperatorRecord>> {
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      /* a new file */
    }
    return parseOperators(text);
  }

  /** Rewrites the file atomically: a temporary file, then a rename. */
  async #write(records: Map<string, OperatorRecord>): Promise<void> {
    const body = [...records.values()].map((r) => JSON.stringify(r)).join('\n') + (records.size > 0 ? '\n' : '');
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, body, { mode: 0o600 });
    await rename(tmp, this.file);
    this.#mtimeMs = -1;
  }

  /**
   * Demo mode: an operator `demo` / `demo` exists. It lives in memory only, so the demo writes
   * nothing to disk; an account `demo` in the file wins.
   */
  async ensureDemo(): Promise<void> {
    this.#demo ??= await hashPassword('demo', 'demo');
  }
}
