/**
 * Target modules a spare child loads ahead.
 *
 * A warm start with a module-reference target used to pay for loading the
 * target's module (≈ 2 ms: resolution, reads, parsing, compilation) after
 * the spare was picked. The launcher remembers the modules of the latest
 * module-reference targets and hands them to the next spare, which loads
 * them with `import.defer()`: loaded, linked and compiled, but NOT
 * evaluated. A module's top level still runs only when the target is
 * imported, in the process that runs it, after its identity is set — a
 * spare that ends up unused or runs another target leaves no trace a
 * program could see.
 *
 * `import.defer()` evaluates at once the parts of the graph that use
 * top-level await (and Deno 2.9.6 then panics), so a module is loaded
 * ahead only if its whole static graph is known to have none: local files
 * readable without a permission prompt whose text has no `await` at all
 * (a sound, conservative test: a module with async functions is simply
 * not loaded ahead), `node:` built-ins, and this library's own modules
 * (none of which a target imports uses top-level await).
 *
 * The library's own target modules (a manager's server) are imported
 * outright, evaluated too, and their `warmUp()` export is run: their top
 * level only defines things and their warm-up leaves nothing behind, so a
 * spare that runs something else is none the wiser, and the start that
 * uses them skips their evaluation and first-call compilation as well (as
 * the spare's warm-up does for the pool worker loop).
 *
 * @module
 */

/** How many recent target modules the next spare loads ahead. */
const RECENT = 3;
/** Files scanned at most for one module's graph (beyond: not loaded ahead). */
const MAX_FILES = 200;

const LIBRARY_ROOT = new URL("../../", import.meta.url).href;
const NOT_AHEAD = new Set([
  // The entry points of children and helper Workers (top-level await).
  new URL("./bootstrap.ts", import.meta.url).href,
  new URL("./tracker_main.ts", import.meta.url).href,
]);

/** The library's target modules: imported (evaluated) ahead. */
const LIBRARY_TARGETS = new Set([
  new URL("../../multiprocessing/managers/_server_main.ts", import.meta.url)
    .href,
]);

const recent: string[] = [];

/**
 * Notes the module a started child imports for its target (most recent
 * first; the next spare loads these ahead).
 */
export function noteTargetModule(url: string): void {
  const i = recent.indexOf(url);
  if (i === 0) return;
  if (i > 0) recent.splice(i, 1);
  recent.unshift(url);
  if (recent.length > RECENT) recent.length = RECENT;
}

/** The modules for the next spare, as one command-line argument. */
export function recentModulesArg(): string {
  return JSON.stringify(recent);
}

/** Parses {@linkcode recentModulesArg}'s text (bad text: none). */
export function parseModulesArg(text: string | undefined): string[] {
  try {
    const v = JSON.parse(text ?? "[]");
    return Array.isArray(v) ? v.filter((u) => typeof u === "string") : [];
  } catch {
    return [];
  }
}

// Static imports and re-exports: `from "x"`, `import "x"`. A comment between
// the keyword and the specifier would hide one: such a text is refused.
const SPECIFIER = /\b(?:from|import)\s*(["'])([^"'\n]+)\1/g;
const HIDDEN = /\b(?:from|import)\s*\/[*/]/;
const AWAIT = /\bawait\b/;

/** Whether a local file may be read without a permission prompt. */
function readableQuietly(url: URL): boolean {
  try {
    return Deno.permissions.querySync({
      name: "read",
      path: decodeURIComponent(url.pathname),
    }).state === "granted";
  } catch {
    return false;
  }
}

/** Resolves an import specifier of the module at `base`. */
function resolve(spec: string, base: string): string | undefined {
  try {
    if (/^(\.{0,2}\/|file:)/.test(spec)) return new URL(spec, base).href;
    return import.meta.resolve(spec); // bare: the import map decides
  } catch {
    return undefined;
  }
}

/**
 * Whether the static graph of a module is known to have no top-level
 * await (see the module documentation for what is known).
 */
export function deferrable(url: string): boolean {
  const seen = new Set<string>();
  const todo = [url];
  while (todo.length > 0) {
    const u = todo.pop()!;
    if (seen.has(u)) continue;
    seen.add(u);
    if (NOT_AHEAD.has(u)) return false;
    if (u.startsWith("node:")) continue;
    if (u.startsWith(LIBRARY_ROOT) && u !== url) continue;
    if (!u.startsWith("file:") || seen.size > MAX_FILES) return false;
    const file = new URL(u);
    if (!readableQuietly(file)) return false;
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      return false;
    }
    if (AWAIT.test(text) || HIDDEN.test(text)) return false;
    for (const m of text.matchAll(SPECIFIER)) {
      const dep = resolve(m[2]!, u);
      if (dep === undefined) return false;
      todo.push(dep.split("#")[0]!);
    }
  }
  return true;
}

/**
 * The library's own target modules among `urls` (imported and warmed up
 * ahead), and the others (loaded ahead unevaluated), each in order.
 */
export function splitLibraryTargets(
  urls: readonly string[],
): [string[], string[]] {
  return [
    urls.filter((u) => LIBRARY_TARGETS.has(u)),
    urls.filter((u) => !LIBRARY_TARGETS.has(u)),
  ];
}

/**
 * Loads the modules ahead without evaluating them (those whose graph is
 * not known to be free of top-level await are skipped). Errors are left
 * for the real import to report.
 * @param urls The modules, most recent first.
 * @param stop Whether to stop (the spare got its assignment: loading more
 *   would only delay it).
 */
export async function loadAhead(
  urls: readonly string[],
  stop: () => boolean = () => false,
): Promise<void> {
  for (const url of urls) {
    if (stop()) continue;
    if (LIBRARY_TARGETS.has(url)) {
      try {
        // Its warm-up runs its start-up paths once (see its `warmUp`).
        await (await import(url)).warmUp?.();
      } catch { /* the target's import reports it */ }
      continue;
    }
    if (!deferrable(url)) continue;
    try {
      await import.defer(url);
    } catch { /* the target's import reports it */ }
  }
}
