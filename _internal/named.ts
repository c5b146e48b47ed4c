/**
 * Giving exception classes Python's names.
 *
 * @module
 */

/**
 * Gives a class's prototype Python's exception name (shown in stacks and by
 * `String(err)`), and registers nothing else: a class is registered with the
 * codec separately, so that it crosses threads and processes by that name.
 */
export function named(
  cls: { prototype: { name: string } },
  name: string,
): void {
  Object.defineProperty(cls.prototype, "name", {
    value: name,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
