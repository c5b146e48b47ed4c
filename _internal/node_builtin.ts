/**
 * Node's built-in modules, loaded on first use.
 *
 * A static `import … from "node:worker_threads"` (or `node:v8`,
 * `node:timers`) sets up Deno's Node compatibility as the module graph
 * loads: ≈ 17 ms at the start of every program, and of every child process
 * whose target module imports the library, whether or not it ever starts a
 * thread. `process.getBuiltinModule` loads the same module synchronously,
 * when it is first needed.
 *
 * @module
 */

type Builtins = {
  "node:worker_threads": typeof import("node:worker_threads");
  "node:v8": typeof import("node:v8");
  "node:timers": typeof import("node:timers");
};

/** A Node built-in module (loaded on the first call for it). */
export function nodeBuiltin<K extends keyof Builtins>(id: K): Builtins[K] {
  const proc = (globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
  }).process;
  const m = proc?.getBuiltinModule?.(id);
  if (m === undefined) throw new Error(`${id} is not available`);
  return m as Builtins[K];
}
