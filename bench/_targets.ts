/**
 * Module-reference targets for the benchmarks (a child imports this
 * module to run them).
 *
 * @module
 */

/** Does nothing (a process start+join with a module-reference target). */
export function noop(): void {}
