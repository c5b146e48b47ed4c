/**
 * Python's `subprocess` module for Deno: `run`, `Popen`, pipes, timeouts and
 * pipelines, with Python's semantics.
 *
 * Children start with libc's `posix_spawn` through Deno's FFI: `stderr:
 * STDOUT` merges the streams at the descriptor level (in the order the child
 * wrote them), one child's stdout can be another's stdin with no copy
 * through JavaScript, `Popen.poll()` is truthful at any moment, and
 * `runSync`/`communicateSync`/`waitSync` work on the main thread and in
 * threads. Every blocking call has an async form that never blocks the
 * event loop.
 *
 * Permissions: `--allow-ffi` (libc) and `--allow-run` (checked for each
 * program, so `--allow-run=git` still limits what runs).
 *
 * Differences from Python: streams are unbuffered {@linkcode PipeReader} /
 * {@linkcode PipeWriter} objects with async and `Sync` methods; a
 * `Deno.FsFile` or a descriptor number (from `os_process.open`) may be
 * given for a stream; `preexecFn`, `startupinfo` and `creationflags` throw a
 * ValueError; `user`, `group`, `extraGroups`, `umask` are not available;
 * `bufsize` is accepted and ignored.
 *
 * @example
 * ```ts
 * import { checkOutput, PIPE, Popen, run } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * const r = await run(["echo", "hello"], { captureOutput: true, text: true });
 * assert.equal(r.stdout, "hello\n");
 *
 * assert.equal(await checkOutput(["sh", "-c", "echo $X"], { env: { X: "1" }, text: true }), "1\n");
 *
 * await using p = new Popen(["cat"], { stdin: PIPE, stdout: PIPE });
 * const [out] = await p.communicate(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(out, new Uint8Array([1, 2, 3]));
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export * from "./errors.ts";
export * from "./completed_process.ts";
export * from "./pipe_reader.ts";
export * from "./pipe_writer.ts";
export * from "./popen.ts";
export * from "./run.ts";
export * from "./call.ts";
export * from "./check_call.ts";
export * from "./check_output.ts";
export * from "./getstatusoutput.ts";
export * from "./getoutput.ts";
export {
  BrokenPipeError,
  ConnectionError,
  FileNotFoundError,
  OSError,
  PermissionError,
  ValueError,
} from "../_internal/errors.ts";
