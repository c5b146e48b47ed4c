/**
 * Python method names ↔ the names proxies show in JS.
 *
 * @module
 */

/** `notify_all` → `notifyAll`; dunder names are left alone. */
export function camelCase(name: string): string {
  if (name.startsWith("__") || !name.includes("_")) return name;
  // Leading underscores stay (`_h` is `_h`, Python's private convention).
  const lead = /^_*/.exec(name)![0];
  return lead +
    name.slice(lead.length).replace(
      /_+([a-z0-9])/g,
      (_, c: string) => c.toUpperCase(),
    );
}

/**
 * Python's operators as proxy methods (API.md: `getItem(k)` is `d[k]`…);
 * other names are camelCased.
 */
export const OPERATOR_NAMES: Readonly<Record<string, string>> = {
  __getitem__: "getItem",
  __setitem__: "setItem",
  __delitem__: "delItem",
  __contains__: "has",
  __len__: "length",
};

/** The JS name of a proxy method for the Python method `name`. */
export function proxyMethodName(name: string): string {
  return OPERATOR_NAMES[name] ?? camelCase(name);
}
