/**
 * Which module registers each shareable class, so that a child process
 * loads a class only when it meets one.
 *
 * `shareables.ts` loads every class that travels by reference (≈ 40
 * modules, a third of a cold child's start-up). A child process loads
 * none of them up front: before it decodes its assignment it loads the
 * modules of the tags the assignment's bytes name ({@linkcode
 * loadShareablesFor}), and a class met later (a Lock in a queue item) is
 * loaded on demand, synchronously, by the codec ({@linkcode
 * loadShareablesOnDemand}). The table is checked against what
 * `shareables.ts` registers by the tests.
 *
 * @module
 */

import { hasShareable, setShareableLoader } from "./codec/shareable.ts";

/** The module (relative to this one) that registers each tag. */
const MODULES: Readonly<Record<string, string>> = {
  "threading.Lock": "../threading/lock.ts",
  "threading.RLock": "../threading/rlock.ts",
  "threading.Condition": "../threading/condition.ts",
  "threading.Semaphore": "../threading/semaphore.ts",
  "threading.BoundedSemaphore": "../threading/semaphore.ts",
  "threading.Event": "../threading/event.ts",
  "threading.Barrier": "../threading/barrier.ts",
  "threading.local": "../threading/local.ts",
  "queue.Queue": "../queue/queue.ts",
  "queue.LifoQueue": "../queue/lifo_queue.ts",
  "queue.PriorityQueue": "../queue/priority_queue.ts",
  "queue.SimpleQueue": "../queue/simple_queue.ts",
  "multiprocessing.Lock": "../multiprocessing/lock.ts",
  "multiprocessing.RLock": "../multiprocessing/rlock.ts",
  "multiprocessing.Condition": "../multiprocessing/condition.ts",
  "multiprocessing.Semaphore": "../multiprocessing/semaphore.ts",
  "multiprocessing.BoundedSemaphore": "../multiprocessing/semaphore.ts",
  "multiprocessing.Event": "../multiprocessing/event.ts",
  "multiprocessing.Barrier": "../multiprocessing/barrier.ts",
  "multiprocessing.RawValue": "../multiprocessing/value.ts",
  "multiprocessing.Value": "../multiprocessing/value.ts",
  "multiprocessing.RawArray": "../multiprocessing/array.ts",
  "multiprocessing.Array": "../multiprocessing/array.ts",
  "multiprocessing.Connection": "../multiprocessing/connection.ts",
  "shared_memory.SharedMemory":
    "../multiprocessing/shared_memory/shared_memory.ts",
  "shared_memory.ShareableList":
    "../multiprocessing/shared_memory/shareable_list.ts",
  "shared_memory.SharedMemoryManager":
    "../multiprocessing/shared_memory/shared_memory_manager.ts",
  "multiprocessing.Queue": "../multiprocessing/queue.ts",
  "multiprocessing.JoinableQueue": "../multiprocessing/joinable_queue.ts",
  "multiprocessing.SimpleQueue": "../multiprocessing/simple_queue.ts",
  "multiprocessing.managers.BaseProxy":
    "../multiprocessing/managers/proxies.ts",
};

/** The tags of the table (tests compare them with what registers). */
export function knownShareableTags(): string[] {
  return Object.keys(MODULES);
}

let allLoaded = false;

/** Whether every known shareable class is registered in this thread. */
export function allShareablesLoaded(): boolean {
  // Once true, for good: classes are never unregistered.
  return allLoaded ||= Object.keys(MODULES).every(hasShareable);
}

/** The URL of the module that registers `tag`, if known. */
export function shareableModule(tag: string): string | undefined {
  const rel = Object.hasOwn(MODULES, tag) ? MODULES[tag] : undefined;
  return rel === undefined ? undefined : new URL(rel, import.meta.url).href;
}

// Tags are ASCII in the encoded bytes (the codec writes strings as UTF-8);
// latin1 maps every byte to one character, so a tag reads as itself.
const latin1 = new TextDecoder("latin1");
/** Every known tag, the longer first (a tag may begin another). */
const TAG_TEXT = new RegExp(
  Object.keys(MODULES)
    .sort((a, b) => b.length - a.length)
    .map((t) => t.replaceAll(".", "\\."))
    .join("|"),
  "g",
);
const CHUNK = 1 << 20;
const OVERLAP = 64; // longer than any tag

/**
 * The modules of the shareable classes whose tags `bytes` (an encoded
 * value) may hold and that are not registered in this thread. A tag-like
 * text in a string of the value counts too: its module is loaded for
 * nothing, which is harmless.
 * @param loaded Whether a tag's class is loaded (tests pretend none is).
 */
export function missingShareableModules(
  bytes: Uint8Array,
  loaded: (tag: string) => boolean = hasShareable,
): string[] {
  const urls = new Set<string>();
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const end = Math.min(bytes.length, at + CHUNK + OVERLAP);
    const text = latin1.decode(bytes.subarray(at, end));
    for (const m of text.matchAll(TAG_TEXT)) {
      const tag = m[0];
      if (!loaded(tag)) urls.add(shareableModule(tag)!);
    }
  }
  return [...urls];
}

/** Loads the classes an encoded value needs before it is decoded. */
export async function loadShareablesFor(bytes: Uint8Array): Promise<void> {
  if (allShareablesLoaded()) return; // a spare loaded them all ahead
  await Promise.all(missingShareableModules(bytes).map((u) => import(u)));
}

type RequireFn = (id: string) => unknown;

let requireFn: RequireFn | undefined;

/** Node's `require` (which loads an ES module synchronously), on first use. */
function nodeRequire(): RequireFn | undefined {
  if (requireFn !== undefined) return requireFn;
  const proc = (globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
  }).process;
  const m = proc?.getBuiltinModule?.("node:module") as
    | { createRequire(from: string): RequireFn }
    | undefined;
  requireFn = m?.createRequire(import.meta.url);
  return requireFn;
}

/**
 * Lets the codec load a class it meets before its module loaded: the
 * module is loaded synchronously (Node's `require` of an ES module, which
 * shares Deno's module map: the class is the one `import` gives). The
 * first such load sets up Deno's Node compatibility (tens of ms), once per
 * process; most children never need it (their assignment's classes are
 * loaded ahead, see {@linkcode loadShareablesFor}).
 * @returns false where modules cannot be loaded synchronously (the
 *   library is not on the local file system): load `shareables.ts` then.
 */
export function loadShareablesOnDemand(): boolean {
  if (!import.meta.url.startsWith("file:")) return false;
  setShareableLoader((tag) => {
    const url = shareableModule(tag);
    if (url === undefined) return;
    nodeRequire()?.(decodeURIComponent(new URL(url).pathname));
  });
  return true;
}
