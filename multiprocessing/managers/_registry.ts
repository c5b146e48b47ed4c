/**
 * Typeid registries: what a server creates for each typeid, the methods it
 * exposes and the methods whose results come back as proxies. The
 * SyncManager's typeids are CPython's, with CPython's exposed tuples, so
 * that CPython's proxies and ours drive the same server objects.
 *
 * @module
 */

import type { ServerPool } from "./_server_pool.ts";
import { specFromWire } from "./_pool_target.ts";
import {
  loadTarget,
  loadTargetSync,
  type TargetSpec,
} from "../../_internal/threads/targets.ts";

/** The spec of a Barrier's action as received (null: none). */
function actionSpec(v: unknown): TargetSpec | null {
  return v === null || v === undefined
    ? null
    : specFromWire(v, "Barrier action");
}

/** Creates a referent from a create request (the server resolves proxies). */
export type Factory = (
  args: readonly unknown[],
  kwds: Record<string, unknown>,
  resolve: (v: unknown) => unknown,
) => unknown;

/** What a server knows about a typeid. */
export interface ServerTypeEntry {
  /** Creates the referent; null: the one argument is the referent. */
  readonly create: Factory | null;
  /** Exposed method names; null: the referent's public methods. */
  readonly exposed: readonly string[] | null;
  /** Methods whose result is returned as a proxy of that typeid. */
  readonly methodToTypeid: Readonly<Record<string, string>> | null;
  /**
   * Loads what `create` needs, before it is called (a server awaits it):
   * the referent classes (loaded after the server reported its address,
   * see {@linkcode loadServerTypes}), a Pool's module, loaded only by a
   * server that makes one (it is most of the server's code: a server that
   * loaded it at start answered later), or the module of a Barrier's
   * action.
   */
  readonly prepare?: (
    args: readonly unknown[],
    kwds: Record<string, unknown>,
  ) => Promise<void>;
}

/** A server's registry. */
export type ServerRegistry = ReadonlyMap<string, ServerTypeEntry>;

const ACQUIRER = ["acquire", "release"] as const;

function noKwds(name: string, kwds: Record<string, unknown>): void {
  const k = Object.keys(kwds)[0];
  if (k !== undefined) {
    throw new TypeError(`${name}() got an unexpected keyword argument '${k}'`);
  }
}

function entry(
  create: Factory | null,
  exposed: readonly string[] | null,
  methodToTypeid: Record<string, string> | null = null,
): ServerTypeEntry {
  return { create, exposed, methodToTypeid, prepare: loadServerTypes };
}

// Not literals: Deno reads and analyses the whole graph of a literal
// dynamic import when it loads the importing module, even if it never
// runs (here: for the Pool, the pools' backends and every shareable
// class, ≈ 90 files); a server that makes no Pool must not pay for it.
const SERVER_TYPES = new URL("./_server_types.ts", import.meta.url).href;
const SERVER_POOL = new URL("./_server_pool.ts", import.meta.url).href;

let types: typeof import("./_server_types.ts") | undefined;
let typesLoading: Promise<void> | undefined;

/**
 * Loads the SyncManager's referent classes (dict, list, queues, locks…).
 * A server needs them at its first `create`, not to listen: it starts the
 * load once it reported its address, while its parent goes on, and each
 * `create` awaits it (the typeids' `prepare`).
 */
export function loadServerTypes(): Promise<void> {
  return typesLoading ??= import(SERVER_TYPES).then((m) => {
    types = m as typeof import("./_server_types.ts");
  });
}

/** The referent classes (a `create` runs after its `prepare`). */
function t(): typeof import("./_server_types.ts") {
  if (types === undefined) {
    throw new Error("The manager's referent classes are still loading");
  }
  return types;
}

/** The exposed tuples of CPython's proxy types, by proxy type name. */
export const EXPOSED: Readonly<Record<string, readonly string[]>> = {
  DictProxy: [
    "__contains__",
    "__delitem__",
    "__getitem__",
    "__iter__",
    "__len__",
    "__setitem__",
    "clear",
    "copy",
    "get",
    "items",
    "keys",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "values",
  ],
  ListProxy: [
    "__add__",
    "__contains__",
    "__delitem__",
    "__getitem__",
    "__len__",
    "__mul__",
    "__reversed__",
    "__rmul__",
    "__setitem__",
    "append",
    "count",
    "extend",
    "index",
    "insert",
    "pop",
    "remove",
    "reverse",
    "sort",
    "__imul__",
  ],
  AcquirerProxy: ACQUIRER,
  ConditionProxy: ["acquire", "release", "wait", "notify", "notify_all"],
  EventProxy: ["is_set", "set", "clear", "wait"],
  BarrierProxy: ["__getattribute__", "wait", "abort", "reset"],
  NamespaceProxy: ["__getattribute__", "__setattr__", "__delattr__"],
  ValueProxy: ["get", "set"],
  ArrayProxy: ["__len__", "__getitem__", "__setitem__"],
  IteratorProxy: ["__next__", "send", "throw", "close"],
  PoolProxy: [
    "apply",
    "apply_async",
    "close",
    "imap",
    "imap_unordered",
    "join",
    "map",
    "map_async",
    "starmap",
    "starmap_async",
    "terminate",
  ],
};

let poolClass: typeof ServerPool | undefined;

async function loadPool(): Promise<void> {
  poolClass ??=
    ((await import(SERVER_POOL)) as typeof import("./_server_pool.ts"))
      .ServerPool;
}

let builtins: ReadonlyMap<string, ServerTypeEntry> | undefined;

/** The SyncManager's typeids, as CPython registers them (made once). */
export function syncManagerRegistry(): ReadonlyMap<string, ServerTypeEntry> {
  return builtins ??= makeSyncManagerRegistry();
}

function makeSyncManagerRegistry(): Map<string, ServerTypeEntry> {
  const r = new Map<string, ServerTypeEntry>();
  const queue: Factory = (a, k) => {
    const [maxsize] = a.length ? a : [k.maxsize ?? 0];
    return new (t().ServerQueue)(maxsize);
  };
  r.set("Queue", entry(queue, null));
  r.set("JoinableQueue", entry(queue, null));
  r.set(
    "Event",
    entry(
      (_a, k) => (noKwds("Event", k), new (t().ServerEvent)()),
      EXPOSED.EventProxy!,
    ),
  );
  r.set(
    "Lock",
    entry(
      (_a, k) => (noKwds("Lock", k), new (t().ServerLock)(false)),
      ACQUIRER,
    ),
  );
  r.set(
    "RLock",
    entry(
      (_a, k) => (noKwds("RLock", k), new (t().ServerLock)(true)),
      ACQUIRER,
    ),
  );
  r.set(
    "Semaphore",
    entry(
      (a, k) => new (t().ServerSemaphore)(a[0] ?? k.value, false),
      ACQUIRER,
    ),
  );
  r.set(
    "BoundedSemaphore",
    entry((a, k) => new (t().ServerSemaphore)(a[0] ?? k.value, true), ACQUIRER),
  );
  r.set(
    "Condition",
    entry((a, k, resolve) => {
      const lock = resolve(a[0] ?? k.lock ?? null);
      if (lock !== null && !(lock instanceof t().ServerLock)) {
        throw new TypeError(
          "Condition() lock must be a Lock or RLock of the same manager",
        );
      }
      return new (t().ServerCondition)(lock);
    }, EXPOSED.ConditionProxy!),
  );
  r.set("Barrier", {
    ...entry((a, k) => {
      const spec = actionSpec(a[1] ?? k.action);
      return new (t().ServerBarrier)(
        a[0] ?? k.parties,
        spec === null ? null : loadTargetSync(spec),
        a[2] ?? k.timeout,
      );
    }, EXPOSED.BarrierProxy!),
    // A module's action is imported before the Barrier is made (imports
    // are asynchronous): a missing module or export fails the creation.
    prepare: async (a, k) => {
      await loadServerTypes();
      const spec = actionSpec(a[1] ?? k.action);
      if (spec !== null) await loadTarget(spec);
    },
  });
  r.set(
    "list",
    entry(
      (a, k) => (noKwds("list", k), new (t().ServerList)(a[0])),
      EXPOSED.ListProxy!,
    ),
  );
  r.set(
    "dict",
    entry((a, k) => new (t().ServerDict)(a[0], k), EXPOSED.DictProxy!, {
      __iter__: "Iterator",
    }),
  );
  r.set(
    "Value",
    entry(
      (a, k) => new (t().ServerValue)(a[0] ?? k.typecode, a[1] ?? k.value),
      EXPOSED.ValueProxy!,
    ),
  );
  r.set(
    "Array",
    entry(
      (a, k) => new (t().ServerArray)(a[0] ?? k.typecode, a[1] ?? k.sequence),
      EXPOSED.ArrayProxy!,
    ),
  );
  r.set(
    "Namespace",
    entry((a, k) => {
      if (a.length) {
        throw new TypeError("Namespace() takes keyword arguments only");
      }
      return new (t().ServerNamespace)(k);
    }, EXPOSED.NamespaceProxy!),
  );
  r.set("Iterator", entry(null, EXPOSED.IteratorProxy!));
  r.set("Pool", {
    ...entry((a, k) => new poolClass!(a, k), EXPOSED.PoolProxy!, {
      apply_async: "AsyncResult",
      map_async: "AsyncResult",
      starmap_async: "AsyncResult",
      imap: "Iterator",
      imap_unordered: "Iterator",
    }),
    prepare: loadPool,
  });
  r.set("AsyncResult", entry(null, null));
  return r;
}
