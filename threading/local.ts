import { threadGeneration } from "../_internal/threads/context.ts";
import {
  registerShareable,
  SHARE,
  type ShareRecord,
} from "../_internal/codec/shareable.ts";

/** One thread's attributes of a local object. */
interface Slot {
  generation: number;
  dict: Record<PropertyKey, unknown>;
}

interface LocalState {
  ctor: new (...args: unknown[]) => object;
  args: unknown[];
  slot?: Slot;
}

const states = new WeakMap<object, LocalState>();
/** Set while a subclass constructor re-runs to fill a new thread's attributes. */
let initializing = false;

function slotOf(target: object, proxy: object): Slot {
  const st = states.get(target)!;
  const generation = threadGeneration();
  if (st.slot === undefined || st.slot.generation !== generation) {
    // A new thread: fresh attributes, made by the class's constructor as
    // Python calls __init__ again in each thread.
    st.slot = { generation, dict: {} };
    if (st.ctor !== local) {
      initializing = true;
      let fresh: object;
      try {
        fresh = Reflect.construct(st.ctor, st.args);
      } finally {
        initializing = false;
      }
      Object.assign(st.slot.dict, fresh);
    }
  }
  void proxy;
  return st.slot;
}

/**
 * Python's `threading.local`: an object whose attributes are per thread.
 *
 * Each thread sees its own attributes; a new thread sees none (a subclass's
 * constructor runs again for it, as Python calls `__init__` again). A Worker
 * runs many threads in turn, and each of them starts empty. Passed to another
 * thread (in `args`), a local arrives empty: attributes never cross.
 *
 * @example Per-thread data
 * ```ts
 * import { local, Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const data = new local() as local & { x?: number };
 * data.x = 1;
 * const t = new Thread({
 *   target: (data: { x?: number }) => {
 *     if (data.x !== undefined) throw new Error("leaked");
 *     data.x = 2;
 *   },
 *   args: [data],
 * });
 * t.start();
 * await t.join();
 * assert.equal(data.x, 1);
 * ```
 */
// deno-lint-ignore camelcase
export class local {
  /** Creates a local object; attributes set on it are per thread. */
  constructor(...args: unknown[]) {
    if (initializing) return; // a plain object whose fields seed a thread's slot
    states.set(this, { ctor: new.target as LocalState["ctor"], args });
    const proxy: object = new Proxy(this, {
      get(t, key, receiver) {
        if (key === SHARE) return shareLocal;
        const dict = slotOf(t, proxy).dict;
        return Object.hasOwn(dict, key)
          ? dict[key]
          : Reflect.get(t, key, receiver);
      },
      set(t, key, value) {
        slotOf(t, proxy).dict[key] = value;
        return true;
      },
      has(t, key) {
        return Object.hasOwn(slotOf(t, proxy).dict, key) || Reflect.has(t, key);
      },
      deleteProperty(t, key) {
        return delete slotOf(t, proxy).dict[key];
      },
      ownKeys(t) {
        return Reflect.ownKeys(slotOf(t, proxy).dict);
      },
      getOwnPropertyDescriptor(t, key) {
        const dict = slotOf(t, proxy).dict;
        if (!Object.hasOwn(dict, key)) return undefined;
        return {
          value: dict[key],
          writable: true,
          enumerable: true,
          configurable: true,
        };
      },
      defineProperty(t, key, desc) {
        slotOf(t, proxy).dict[key] = desc.value;
        return true;
      },
    });
    return proxy as this;
  }
}

function shareLocal(): ShareRecord {
  return { tag: "threading.local", data: null };
}

registerShareable("threading.local", () => new local());
