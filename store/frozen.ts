/**
 * Deep copy-and-freeze for JSON-shaped data. Commands are handed to many listeners and kept in
 * the log; freezing one copy lets every reader share it without being able to corrupt it.
 */

export function frozenCopy<T>(value: T): T {
  return copy(value, 0) as T;
}

/** Freezes data the caller just parsed and will not touch again (no copy). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const MAX_DEPTH = 64;

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) throw new TypeError('command data is nested too deeply');
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], depth + 1);
    return Object.freeze(out);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = copy(v, depth + 1);
  }
  return Object.freeze(out);
}
