/**
 * Lazily loaded parts of the library: a light module that every thread and
 * process loads (a class the codec must rebuild synchronously) keeps its
 * heavy part (wire, pickle…) behind a dynamic `import()`, started when it
 * is first needed.
 *
 * A load in flight is tracked as a preload (`_internal/threads/targets.ts`):
 * a Worker or child process awaits them after decoding its target's
 * arguments, so Sync calls inside the target find the heavy part loaded.
 * The names of the parts a thread has used (not merely loaded: importing the
 * public module loads them) travel with the threads and processes it
 * starts, which load them before their target runs too. A program that
 * never uses them pays nothing for them in its children (a child that
 * loaded the managers' client it did not need took 50 ms more to start).
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";
import { trackPreload } from "./threads/targets.ts";

/** One lazily loaded module. */
export class LazyModule<T> {
  /** Its name in the registry (what travels to other threads). */
  readonly name: string;
  readonly #load: () => Promise<T>;
  readonly #hint: string;
  readonly #url: URL | null;
  #value: T | undefined;
  #loading: Promise<T> | undefined;
  /** Whether something in this thread asked for it (see `inUse`). */
  #used = false;

  /**
   * @param name Its registry name.
   * @param load Imports it (`() => import("./heavy.ts")`).
   * @param hint What to do when it is needed synchronously before it loaded.
   * @param url The module `load` imports, to load synchronously (see the
   *   module documentation); null: never.
   */
  constructor(
    name: string,
    load: () => Promise<T>,
    hint: string,
    url: URL | null = null,
  ) {
    this.name = name;
    this.#load = load;
    this.#hint = hint;
    this.#url = url;
  }

  /** The module if loaded in this thread, else undefined. */
  get loaded(): T | undefined {
    return this.#value;
  }

  /**
   * Marks it used in this thread (a proxy exists here) and returns it if
   * loaded, else undefined.
   */
  use(): T | undefined {
    this.#used = true;
    return this.#value;
  }

  /** Whether this thread used it (asked for it), beyond importing it. */
  get inUse(): boolean {
    return this.#used;
  }

  /**
   * Marks it loaded: called by the module itself as it is evaluated, so a
   * thread that imported it statically has it at once.
   */
  provide(m: T): void {
    this.#value = m;
    this.#loading ??= Promise.resolve(m);
  }

  /** Loads it (once), as a tracked preload. */
  load(): Promise<T> {
    this.#used = true;
    if (this.#loading === undefined) {
      this.#loading = this.#load().then((m) => this.#value = m);
      trackPreload(this.#loading);
    }
    return this.#loading;
  }

  /**
   * Runs `fn` once the module is loaded, as a tracked preload (work a
   * synchronous caller must leave for later, awaited before a target runs).
   */
  then(fn: (m: T) => unknown): Promise<void> {
    const p = this.load().then(fn).then(() => {});
    trackPreload(p);
    return p;
  }

  /**
   * The module, for a synchronous caller: loaded on the spot if it can be
   * (the module provides itself as it is evaluated), else starts loading it.
   * @throws {RuntimeError} If it is not loaded in this thread yet and
   *   cannot be loaded synchronously here.
   */
  get(what: string): T {
    this.#used = true;
    if (this.#value !== undefined) return this.#value;
    if (this.#url !== null && requireModule(this.#url)) {
      if (this.#value !== undefined) return this.#value;
    }
    this.load().catch(() => {}); // its failure shows on the next use
    throw new RuntimeError(
      `Cannot ${what} synchronously: ${this.name} is not loaded in this thread yet (${this.#hint})`,
    );
  }
}

const registry = new Map<string, LazyModule<unknown>>();

interface NodeModuleApi {
  createRequire(from: string | URL): (id: string) => unknown;
}

/**
 * Evaluates a local ES module (and its graph) synchronously with Deno's
 * `require()`, where its directory is readable without a prompt.
 * @returns whether it was evaluated (false: remote, not permitted, or
 *   its evaluation failed — the asynchronous import reports that).
 */
export function requireModule(url: URL): boolean {
  if (url.protocol !== "file:") return false;
  const path = decodeURIComponent(url.pathname);
  try {
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    if (
      Deno.permissions.querySync({ name: "read", path: dir }).state !==
        "granted"
    ) {
      return false;
    }
    const node = (globalThis as {
      process?: { getBuiltinModule?(id: string): unknown };
    }).process?.getBuiltinModule?.("module") as NodeModuleApi | undefined;
    if (node === undefined) return false;
    node.createRequire(url)(path);
    return true;
  } catch {
    return false;
  }
}

/** Makes and registers a lazily loaded module. */
export function lazyModule<T>(
  name: string,
  load: () => Promise<T>,
  hint: string,
  url: URL | null = null,
): LazyModule<T> {
  const m = new LazyModule(name, load, hint, url);
  registry.set(name, m as LazyModule<unknown>);
  return m;
}

/** The names of the lazy modules this thread has used. */
export function lazyModulesInUse(): string[] {
  const names: string[] = [];
  for (const [name, m] of registry) {
    if (m.inUse) names.push(name);
  }
  return names;
}

/** Starts loading the named lazy modules (unknown names are ignored). */
export function preloadLazyModules(names: readonly string[] | undefined): void {
  for (const name of names ?? []) registry.get(name)?.load().catch(() => {});
}
