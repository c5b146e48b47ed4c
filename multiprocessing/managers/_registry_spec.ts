/**
 * A manager class's typeids on both sides: the client's entries (proxy
 * type, callable) and how they become a server registry, in this process
 * (`getServer()`) or in a server process (`start()`), where callables
 * travel as targets (by source or by module reference).
 *
 * @module
 */

import {
  describeTarget,
  loadTarget,
  type Target,
  type TargetSpec,
} from "../../_internal/threads/targets.ts";
import {
  type Factory,
  type ServerRegistry,
  type ServerTypeEntry,
  syncManagerRegistry,
} from "./_registry.ts";
import type { ProxyClass } from "./_proxy.ts";

/** What a manager class registered for a typeid. */
export interface ClientTypeEntry {
  /** A target, the name of a SyncManager built-in, or null. */
  readonly callable: Target | { builtin: string } | null;
  readonly exposed: readonly string[] | null;
  readonly methodToTypeid: Readonly<Record<string, string>> | null;
  readonly proxytype: ProxyClass;
}

/** A typeid as it travels to a server process. */
export interface TypeSpec {
  readonly typeid: string;
  readonly builtin: string | null;
  readonly target: TargetSpec | null;
  readonly exposed: readonly string[] | null;
  readonly methodToTypeid: Readonly<Record<string, string>> | null;
}

function isBuiltinRef(c: unknown): c is { builtin: string } {
  return typeof c === "object" && c !== null && !(c instanceof URL) &&
    typeof (c as { builtin?: unknown }).builtin === "string";
}

function isClass(fn: unknown): boolean {
  return typeof fn === "function" &&
    /^class\b/.test(Function.prototype.toString.call(fn));
}

/** Describes a callable for another process (classes by source too). */
function targetOf(callable: Target, typeid: string): TargetSpec {
  if (typeof callable === "function" && isClass(callable)) {
    return {
      kind: "source",
      source: Function.prototype.toString.call(callable),
      name: callable.name,
    };
  }
  return describeTarget(callable, `callable of typeid '${typeid}'`);
}

/** The specs of a registry, for a server process. */
export function specsOf(
  registry: ReadonlyMap<string, ClientTypeEntry>,
): TypeSpec[] {
  return [...registry].map(([typeid, e]) => ({
    typeid,
    builtin: isBuiltinRef(e.callable) ? e.callable.builtin : null,
    target: e.callable === null || isBuiltinRef(e.callable)
      ? null
      : targetOf(e.callable, typeid),
    exposed: e.exposed,
    methodToTypeid: e.methodToTypeid,
  }));
}

/** A factory calling a user callable (a class is constructed). */
function userFactory(fn: (...a: unknown[]) => unknown): Factory {
  const cls = isClass(fn);
  return (args, kwds) => {
    const all = Object.keys(kwds).length ? [...args, kwds] : [...args];
    return cls
      ? new (fn as unknown as new (...a: unknown[]) => unknown)(...all)
      : fn(...all);
  };
}

function serverEntry(
  builtin: string | null,
  factory: Factory | null,
  exposed: readonly string[] | null,
  methodToTypeid: Readonly<Record<string, string>> | null,
): ServerTypeEntry {
  if (builtin !== null) {
    const b = syncManagerRegistry().get(builtin);
    if (b === undefined) {
      throw new TypeError(`Unknown built-in typeid '${builtin}'`);
    }
    return {
      create: b.create,
      exposed: exposed ?? b.exposed,
      methodToTypeid: methodToTypeid ?? b.methodToTypeid,
      ...(b.prepare ? { prepare: b.prepare } : {}),
    };
  }
  return { create: factory, exposed, methodToTypeid };
}

/** The server registry of a class's registry, in this process. */
export function localServerRegistry(
  registry: ReadonlyMap<string, ClientTypeEntry>,
): [ServerRegistry, Promise<unknown>] {
  const out = new Map<string, ServerTypeEntry>();
  const loads: Promise<unknown>[] = [];
  for (const [typeid, e] of registry) {
    const c = e.callable;
    let factory: Factory | null = null;
    if (typeof c === "function") {
      factory = userFactory(c as (...a: unknown[]) => unknown);
    } else if (c !== null && !isBuiltinRef(c)) {
      const spec = describeTarget(c);
      let loaded: ((...a: unknown[]) => unknown) | null = null;
      const pending = loadTarget(spec).then((f) => loaded = f);
      factory = (args, kwds) => {
        if (loaded === null) {
          throw new Error(
            `The callable of typeid '${typeid}' is still loading`,
          );
        }
        return userFactory(loaded)(args, kwds, (v) => v);
      };
      loads.push(pending);
    }
    out.set(
      typeid,
      serverEntry(
        isBuiltinRef(c) ? c.builtin : null,
        factory,
        e.exposed,
        e.methodToTypeid,
      ),
    );
  }
  return [out, Promise.all(loads)];
}

/** The server registry from specs, in a server process. */
export async function serverRegistryOf(
  specs: readonly TypeSpec[],
): Promise<ServerRegistry> {
  const out = new Map<string, ServerTypeEntry>();
  for (const s of specs) {
    let factory: Factory | null = null;
    if (s.target !== null) {
      // A class sent by source is rebuilt as is (loadTarget wraps functions).
      const fn = s.target.kind === "source" && /^class\b/.test(s.target.source)
        ? (0, eval)(`(${s.target.source}\n)`)
        : await loadTarget(s.target);
      factory = userFactory(fn as (...a: unknown[]) => unknown);
    }
    out.set(
      s.typeid,
      serverEntry(s.builtin, factory, s.exposed, s.methodToTypeid),
    );
  }
  return out;
}
