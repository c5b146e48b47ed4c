// environ, getenv, putenv, unsetenv; ports of CPython's Lib/test/test_os.py
// EnvironTests (3.11) where they apply.

import assert from "node:assert/strict";
import * as os from "../../os_process/mod.ts";

const REFERENCE = { KEY1: "VALUE1", KEY2: "VALUE2", KEY3: "VALUE3" };

/** Runs `fn` with the reference variables set, restoring the environment after. */
async function withReference(fn: () => unknown): Promise<void> {
  const saved = Deno.env.toObject();
  for (const [k, v] of Object.entries(REFERENCE)) os.environ.set(k, v);
  try {
    await fn();
  } finally {
    for (const k of Object.keys(Deno.env.toObject())) {
      if (!(k in saved)) Deno.env.delete(k);
    }
    for (const [k, v] of Object.entries(saved)) Deno.env.set(k, v);
  }
}

async function shellEcho(variable: string): Promise<string> {
  await using f = os.popen(`/bin/sh -c 'echo $${variable}'`);
  return (await f.read()).trim();
}

Deno.test("environ is a live mapping: get, set, has, delete, size (test_items)", () =>
  withReference(() => {
    for (const [k, v] of Object.entries(REFERENCE)) {
      assert.equal(os.environ.get(k), v);
      assert.ok(os.environ.has(k));
      assert.equal(Deno.env.get(k), v, "Deno.env sees it");
    }
    const size = os.environ.size;
    assert.equal(size, Object.keys(Deno.env.toObject()).length);
    assert.equal(os.environ.delete("KEY1"), true);
    assert.equal(os.environ.delete("KEY1"), false);
    assert.equal(os.environ.get("KEY1"), undefined);
    assert.equal(os.environ.get("KEY1", "dflt"), "dflt");
    assert.equal(os.environ.has("KEY1"), false);
    assert.equal(os.environ.size, size - 1);
    Deno.env.set("KEY1", "from Deno.env");
    assert.equal(os.environ.get("KEY1"), "from Deno.env", "and sees Deno.env");
  }));

Deno.test("environ iterates [key, value] entries; keys() and values() agree (test_keyvalue_types)", () =>
  withReference(() => {
    const entries = [...os.environ];
    assert.deepEqual(Object.fromEntries(entries), { ...Deno.env.toObject() });
    for (const [k, v] of entries) {
      assert.equal(typeof k, "string");
      assert.equal(typeof v, "string");
    }
    // Deno.env does not keep an order from one call to the next.
    const byKey = (a: [string, string], b: [string, string]) =>
      a[0] < b[0] ? -1 : 1;
    assert.deepEqual(
      [...os.environ.keys()].sort(),
      entries.map(([k]) => k).sort(),
    );
    assert.deepEqual(
      [...os.environ.values()].sort(),
      entries.map(([, v]) => v).sort(),
    );
    assert.deepEqual(
      [...os.environ.entries()].sort(byKey),
      entries.sort(byKey),
    );
  }));

Deno.test("environ iteration survives changes while iterating (test_iter_error_when_changing_os_environ)", () =>
  withReference(() => {
    const it = os.environ[Symbol.iterator]();
    it.next();
    os.environ.set("__new_key__", "test_environ_iteration");
    it.next();
    assert.equal(os.environ.get("__new_key__"), "test_environ_iteration");
  }));

Deno.test("environ.copy, update, pop, setdefault, clear and toString as Python's", () =>
  withReference(() => {
    const copy = os.environ.copy();
    assert.equal(copy.KEY2, "VALUE2");
    copy.KEY2 = "changed";
    assert.equal(os.environ.get("KEY2"), "VALUE2", "a copy is a snapshot");
    os.environ.update({ KEY4: "VALUE4", KEY2: "new" });
    assert.equal(os.environ.get("KEY4"), "VALUE4");
    os.environ.update(new Map([["KEY5", "VALUE5"]]));
    assert.equal(os.environ.get("KEY5"), "VALUE5");
    assert.throws(
      () => os.environ.update({ OK: "1", "BAD=": "2" }),
      os.ValueError,
    );
    assert.equal(
      os.environ.get("OK"),
      undefined,
      "nothing set when one entry is bad",
    );
    assert.equal(os.environ.pop("KEY4"), "VALUE4");
    assert.equal(os.environ.pop("KEY4"), undefined);
    assert.equal(os.environ.pop("KEY4", "gone"), "gone");
    assert.equal(os.environ.setdefault("KEY2", "x"), "new");
    assert.equal(os.environ.setdefault("KEY6", "six"), "six");
    assert.equal(os.environ.get("KEY6"), "six");
    assert.match(String(os.environ), /^environ\(\{.*"KEY6": "six".*\}\)$/);
    os.environ.clear();
    assert.equal(os.environ.size, 0);
    assert.deepEqual(Object.keys(Deno.env.toObject()), []);
  }));

Deno.test("environ changes reach child processes (test_update2, test_putenv_unsetenv)", () =>
  withReference(async () => {
    os.environ.update({ HELLO: "World" });
    assert.equal(await shellEcho("HELLO"), "World");
    os.putenv("PYTHONTESTVAR", "testvalue");
    assert.equal(await shellEcho("PYTHONTESTVAR"), "testvalue");
    os.unsetenv("PYTHONTESTVAR");
    assert.equal(await shellEcho("PYTHONTESTVAR"), "");
    os.unsetenv("PYTHONTESTVAR"); // unsetting an unset variable is fine
    assert.equal(os.getenv("PYTHONTESTVAR"), undefined);
  }));

Deno.test("getenv returns the value, undefined or the default", () =>
  withReference(() => {
    assert.equal(os.getenv("KEY3"), "VALUE3");
    assert.equal(os.getenv("PYCONC_MISSING_KEY"), undefined);
    assert.equal(os.getenv("PYCONC_MISSING_KEY", 5), 5);
    assert.equal(os.getenv("A=B"), undefined, "a name that cannot be set");
  }));

Deno.test("putenv/unsetenv/environ.set reject bad names and NUL bytes (test_putenv_unsetenv_error)", () => {
  for (const name of ["", "=name", "na=me", "name="]) {
    assert.throws(() => os.putenv(name, "value"), os.ValueError, name);
    assert.throws(() => os.unsetenv(name), os.ValueError, name);
    assert.throws(
      () => os.environ.set(name, "value"),
      /Illegal environment variable name/,
    );
  }
  for (const name of ["name\0", "na\0me"]) {
    assert.throws(() => os.putenv(name, "value"), /null byte/);
    assert.throws(() => os.unsetenv(name), /null byte/);
  }
  assert.throws(() => os.putenv("NAME", "val\0ue"), /null byte/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => os.putenv("NAME", 1 as any), TypeError);
  assert.equal(os.environ.has("na=me"), false);
  assert.equal(os.environ.delete("na=me"), false);
});

Deno.test("environ without --allow-env is a PermissionError naming the flag", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      new URL("./fixtures/permissions.ts", import.meta.url).pathname,
      "environ",
    ],
    stdout: "piped",
  }).output();
  assert.match(
    new TextDecoder().decode(out.stdout),
    /PermissionError: .*--allow-env/,
  );
});
