/**
 * Wrapping page globals without ever throwing into the page: a failure of Tandem's own mapping
 * falls back to the page's original arguments, and the natives' own errors pass through as they
 * would have. Wrappers answer `toString()` like the native they replace, for pages that check.
 */

import { native } from '../native.js';

const disguised = new WeakMap<object, object>();
let toStringPatched = false;

/** Makes `wrapper.toString()` answer like `original`. */
export function disguise<T extends object>(wrapper: T, original: object): T {
  disguised.set(wrapper, original);
  if (!toStringPatched) {
    toStringPatched = true;
    const toString = function (this: unknown): string {
      const target = (typeof this === 'function' && disguised.get(this)) || this;
      return native.reflectApply(native.functionToString, target, []) as string;
    };
    disguised.set(toString, native.functionToString);
    try {
      native.defineProperty(Function.prototype, 'toString', { value: toString, writable: true, configurable: true, enumerable: false });
    } catch {
      /* a frozen Function.prototype: wrappers then show their own source */
    }
  }
  return wrapper;
}

/** Runs Tandem's own step; on failure returns the fallback (never throws). */
export function safely<T>(step: () => T, fallback: T): T {
  try {
    return step();
  } catch {
    return fallback;
  }
}

/** Replaces obj[prop] (a method) with a wrapper built from the original; silently skips what cannot be patched. */
export function patchMethod<O extends object>(
  obj: O,
  prop: string,
  build: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown,
): void {
  safely(() => {
    const original = (obj as Record<string, unknown>)[prop];
    if (typeof original !== 'function') return;
    const wrapper = disguise(build(original as (...args: unknown[]) => unknown), original);
    const d = native.getOwnPropertyDescriptor(obj, prop);
    native.defineProperty(obj, prop, {
      value: wrapper,
      writable: d?.writable ?? true,
      configurable: d?.configurable ?? true,
      enumerable: d?.enumerable ?? false,
    });
  }, undefined);
}

/**
 * Replaces obj[prop] (a method) with one that maps its arguments before calling the original
 * (`self` is the receiver); a map that throws leaves the arguments as they came.
 */
export function patchArguments<O extends object>(obj: O, prop: string, mapArgs: (args: unknown[], self: unknown) => unknown[]): void {
  patchMethod(
    obj,
    prop,
    (original) =>
      function (this: unknown, ...args: unknown[]) {
        return native.reflectApply(
          original,
          this,
          safely(() => mapArgs(args, this), args),
        );
      },
  );
}

/** Replaces the setter of an accessor property on a prototype, keeping its getter. */
export function patchSetter(proto: object | undefined, prop: string, map: (value: unknown, target: Element) => unknown): void {
  if (!proto) return;
  safely(() => {
    const d = native.getOwnPropertyDescriptor(proto, prop);
    if (!d || !d.set || !d.configurable) return;
    const set = d.set;
    const wrapper = disguise(function (this: Element, value: unknown) {
      const mapped = safely(() => map(value, this), value);
      native.reflectApply(set, this, [mapped]);
    }, set);
    native.defineProperty(proto, prop, { get: d.get, set: wrapper, enumerable: d.enumerable, configurable: true });
  }, undefined);
}

/** Replaces a constructor with a Proxy that maps its arguments (prototype, statics and instanceof stay). */
export function patchConstructor(obj: object, prop: string, mapArgs: (args: unknown[]) => unknown[]): void {
  safely(() => {
    const Original = (obj as Record<string, unknown>)[prop];
    if (typeof Original !== 'function') return;
    const proxy = new Proxy(Original as new (...a: unknown[]) => object, {
      construct(target, args, newTarget) {
        const mapped = safely(() => mapArgs(args), args);
        return native.reflectConstruct(target, mapped, newTarget) as object;
      },
    });
    const d = native.getOwnPropertyDescriptor(obj, prop);
    native.defineProperty(obj, prop, {
      value: proxy,
      writable: d?.writable ?? true,
      configurable: d?.configurable ?? true,
      enumerable: d?.enumerable ?? false,
    });
  }, undefined);
}
