import { threadGeneration } from "../_internal/threads/context.ts";
import {
  registerShareable,
  SHARE,
  type ShareRecord,
} from "../_internal/codec/shareable.ts";
import { encode } from "../_internal/codec/encode.ts";
import {
  type ClassRef,
  findClass,
  foundClass,
  locateClass,
} from "../_internal/threads/class_ref.ts";
import { trackPreload } from "../_internal/threads/targets.ts";

/** One thread's attributes of a local object. */
interface Slot {
  generation: number;
  dict: Record<PropertyKey, unknown>;
}

interface LocalState {
  ctor: new (...args: unknown[]) => object;
  args: unknown[];
  slot?: Slot;
  /** Where a subclass is, so another thread can run its constructor. */
  ref?: ClassRef;
}

const states = new WeakMap<object, LocalState>();
/** The target behind each local's proxy. */
const targets = new WeakMap<object, object>();

/** Set while a subclass constructor re-runs to fill a new thread's attributes. */
let initializing = false;

function slotOf(target: object, proxy: object): Slot {
  const st = states.get(target)!;
  const generation = threadGeneration();
  if (st.slot === undefined || st.slot.generation !== generation) {
    if (st.ctor === local && st.ref !== undefined) {
      // Received from another thread: the subclass has loaded since.
      const cls = foundClass(st.ref) as LocalState["ctor"] | undefined;
      if (cls !== undefined) {
        st.ctor = cls;
        Object.setPrototypeOf(target, cls.prototype);
      }
    }
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
    const st: LocalState = { ctor: new.target as LocalState["ctor"], args };
    if (new.target !== local) {
      // A subclass runs its constructor again in each thread, as Python's
      // __init__: another thread needs the class and the arguments.
      try {
        encode(args);
        st.ref = locateClass(new.target);
      } catch { /* arguments that cannot cross: it arrives as a plain local */ }
    }
    states.set(this, st);
    const proxy: object = new Proxy(this, {
      get(t, key, receiver) {
        if (key === SHARE) return () => shareLocal(t);
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
    targets.set(proxy, this);
    return proxy as this;
  }
}

/** A local travels as its class and constructor arguments, never its attributes. */
function shareLocal(target: object): ShareRecord {
  const st = states.get(target)!;
  return {
    tag: "threading.local",
    data: st.ref === undefined ? null : { ref: st.ref, args: st.args },
  };
}

registerShareable("threading.local", (data) => {
  const d = data as { ref: ClassRef; args: unknown[] } | null;
  const obj = new local();
  if (d === null) return obj;
  const cls = foundClass(d.ref) as
    | (new (...args: unknown[]) => object)
    | undefined;
  if (cls !== undefined) return new cls(...d.args);
  // Load the subclass in the background; a new thread awaits it before its
  // target runs, and the local takes the class on first use.
  const st = states.get(targets.get(obj)!)!;
  st.ref = d.ref;
  st.args = d.args;
  trackPreload(findClass(d.ref, local, "threading.local subclass"));
  return obj;
});
