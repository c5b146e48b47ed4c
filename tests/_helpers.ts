/**
 * Test helpers shared by the suites.
 *
 * @module
 */

import assert from "node:assert/strict";
import { activeCount, enumerate } from "../threading/mod.ts";

/** Seconds elapsed while running `fn`. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

/**
 * CPython's `assertTimeout`: a wait took about as long as asked (at least
 * 0.6× and less than 10×; machines are noisy).
 */
export function assertTimeout(actual: number, expected: number): void {
  assert.ok(
    actual >= expected * 0.6,
    `waited ${actual}s, expected about ${expected}s`,
  );
  assert.ok(
    actual < expected * 10,
    `waited ${actual}s, expected about ${expected}s`,
  );
}

/** Asserts that no thread but the main one is alive (nothing leaked). */
export function assertNoThreads(): void {
  assert.equal(
    activeCount(),
    1,
    `threads left running: ${enumerate().map(String).join(", ")}`,
  );
}

/**
 * A Deno.test that also checks that every thread it started has ended.
 */
export function threadTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test(name, async () => {
    await fn();
    assertNoThreads();
  });
}

/**
 * Waits (without blocking the event loop, without polling) until
 * `i32[index] >= value`: threads bump the word with `Atomics.add` and
 * `Atomics.notify` it.
 */
export async function waitUntil(
  i32: Int32Array,
  index: number,
  value: number,
  seconds = 30,
): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    const seen = Atomics.load(i32, index);
    if (seen >= value) return;
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new Error(`timed out waiting for word ${index} to reach ${value}`);
    }
    const r = Atomics.waitAsync(i32, index, seen, left);
    if (r.async) {
      const keep = setTimeout(() => {}, left);
      try {
        await r.value;
      } finally {
        clearTimeout(keep);
      }
    }
  }
}

/** Bumps a word and wakes whoever waits on it (from any thread). */
export function bump(i32: Int32Array, index: number): void {
  Atomics.add(i32, index, 1);
  Atomics.notify(i32, index);
}

const decoder = new TextDecoder();

/**
 * Runs a script in a new `deno run -A` process; one that does not end
 * within `seconds` is killed and the call throws (a hang fails the test).
 *
 * @param script The script's URL.
 * @param args Its arguments.
 * @param flags Extra flags for `deno run` (e.g. `--v8-flags=--expose-gc`).
 * @param seconds How long it may run.
 * @returns its exit code, output, error output and how long it took (ms).
 */
export async function runScript(
  script: URL,
  args: string[] = [],
  flags: string[] = [],
  seconds = 60,
): Promise<{ code: number; out: string; err: string; ms: number }> {
  const t0 = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...flags, script.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(seconds * 1000),
  }).output();
  return {
    code: r.code,
    out: decoder.decode(r.stdout),
    err: decoder.decode(r.stderr),
    ms: performance.now() - t0,
  };
}
