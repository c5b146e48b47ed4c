import { cString, describe, integer } from "../_internal/args.ts";
import { ValueError } from "../_internal/errors.ts";
import { fromDenoError } from "../_internal/deno_errors.ts";
import { requirePermission } from "../_internal/permissions.ts";
import { SIGNALS } from "../_internal/signal_table.ts";

const encoder = new TextEncoder();

/**
 * The file object that {@linkcode popen} returns (Python's `os._wrap_close`
 * around a text stream): the pipe to the command's stdout (mode `"r"`) or
 * stdin (mode `"w"`), whose `close()` also waits for the command.
 *
 * Reading is in text mode as Python's: UTF-8, with universal newlines
 * (`"\r\n"` and `"\r"` read as `"\n"`). Calls are not meant to overlap: await
 * each before the next.
 */
export class PopenFile implements AsyncDisposable, AsyncIterable<string> {
  /** The mode, `"r"` or `"w"`. */
  readonly mode: "r" | "w";
  #child: Deno.ChildProcess;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #decoder = new TextDecoder();
  #text = "";
  #eof = false;
  #pendingCR = false;
  #closing: Promise<number | null> | null = null;

  /** @internal Use {@linkcode popen}. */
  constructor(child: Deno.ChildProcess, mode: "r" | "w") {
    this.#child = child;
    this.mode = mode;
    if (mode === "r") this.#reader = child.stdout.getReader();
    else this.#writer = child.stdin.getWriter();
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  #checkReadable(): ReadableStreamDefaultReader<Uint8Array> {
    if (this.#closing !== null) {
      throw new ValueError("I/O operation on closed file");
    }
    if (this.#reader === null) {
      throw new ValueError(
        "Not readable: popen() was opened with mode 'w'",
      );
    }
    return this.#reader;
  }

  /** Reads one more chunk into the text buffer; false at end of stream. */
  async #fill(
    reader: ReadableStreamDefaultReader<Uint8Array>,
  ): Promise<boolean> {
    if (this.#eof) return false;
    const { value, done } = await reader.read();
    let chunk = done
      ? this.#decoder.decode()
      : this.#decoder.decode(value, { stream: true });
    if (this.#pendingCR) chunk = "\r" + chunk;
    // A "\r" at the end of a chunk may be the first half of "\r\n".
    this.#pendingCR = !done && chunk.endsWith("\r");
    if (this.#pendingCR) chunk = chunk.slice(0, -1);
    this.#text += chunk.replace(/\r\n?/g, "\n");
    if (done) this.#eof = true;
    return true;
  }

  /**
   * Reads `size` characters, or everything up to the end of the command's
   * output (the default, or a negative `size`).
   * @param size How many characters at most.
   * @returns The text; `""` at the end.
   * @throws {ValueError} If the file is closed or was opened with mode `"w"`.
   */
  async read(size = -1): Promise<string> {
    const n = integer(size, "size");
    const reader = this.#checkReadable();
    while ((n < 0 || this.#text.length < n) && await this.#fill(reader));
    const k = n < 0 ? this.#text.length : Math.min(n, this.#text.length);
    const out = this.#text.slice(0, k);
    this.#text = this.#text.slice(k);
    return out;
  }

  /**
   * Reads one line, with its `"\n"` (none on a last line without one).
   * @param size How many characters at most (default: no limit).
   * @returns The line; `""` at the end.
   * @throws {ValueError} If the file is closed or was opened with mode `"w"`.
   */
  async readline(size = -1): Promise<string> {
    const n = integer(size, "size");
    const reader = this.#checkReadable();
    let nl = this.#text.indexOf("\n");
    while (
      nl === -1 && (n < 0 || this.#text.length < n) && await this.#fill(reader)
    ) {
      nl = this.#text.indexOf("\n");
    }
    let k = nl === -1 ? this.#text.length : nl + 1;
    if (n >= 0) k = Math.min(k, n);
    const out = this.#text.slice(0, k);
    this.#text = this.#text.slice(k);
    return out;
  }

  /**
   * Reads every remaining line.
   * @returns The lines, each with its `"\n"`.
   * @throws {ValueError} If the file is closed or was opened with mode `"w"`.
   */
  async readlines(): Promise<string[]> {
    const lines: string[] = [];
    for await (const line of this) lines.push(line);
    return lines;
  }

  /**
   * Writes text to the command's stdin (UTF-8).
   * @param text The text.
   * @returns The number of characters written.
   * @throws {ValueError} If the file is closed or was opened with mode `"r"`.
   * @throws {BrokenPipeError} If the command has closed its stdin.
   */
  async write(text: string): Promise<number> {
    if (typeof text !== "string") {
      throw new TypeError(
        `write() argument must be a string, not ${describe(text)}`,
      );
    }
    if (this.#closing !== null) {
      throw new ValueError("I/O operation on closed file");
    }
    if (this.#writer === null) {
      throw new ValueError(
        "Not writable: popen() was opened with mode 'r'",
      );
    }
    try {
      await this.#writer.write(encoder.encode(text));
    } catch (e) {
      throw fromDenoError(e);
    }
    return text.length;
  }

  /**
   * Does nothing but check the file: writes are not buffered here (each
   * `write()` has reached the pipe when it resolves).
   * @throws {ValueError} If the file is closed.
   */
  flush(): Promise<void> {
    if (this.#closing !== null) {
      return Promise.reject(new ValueError("I/O operation on closed file"));
    }
    return Promise.resolve();
  }

  /**
   * Closes the pipe and waits for the command (Python's `close()` of
   * `os.popen`'s file). Unread output is discarded; a command still writing
   * then gets SIGPIPE. Calling it again returns the same result.
   *
   * @returns null if the command exited with 0; otherwise
   *   `returncode << 8`, Python's value: `exitcode << 8`, or, for a command
   *   killed by a signal, `-signal << 8` (for example -2304 for SIGKILL).
   */
  close(): Promise<number | null> {
    if (this.#closing === null) this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<number | null> {
    if (this.#reader !== null) {
      await this.#reader.cancel().catch(() => {});
    }
    if (this.#writer !== null) {
      // The command may have exited and closed its end already.
      await this.#writer.close().catch(() => {});
    }
    const status = await this.#child.status;
    const returncode = status.signal !== null
      ? -(SIGNALS[status.signal] ?? status.code - 128)
      : status.code;
    return returncode === 0 ? null : returncode << 8;
  }

  /** Closes the file (Python's `__exit__`), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * The remaining lines, each with its `"\n"`.
   * @throws {ValueError} If the file is closed or was opened with mode `"w"`.
   */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<string> {
    for (;;) {
      const line = await this.readline();
      if (line === "") return;
      yield line;
    }
  }
}

/**
 * Runs `command` in a shell (`/bin/sh -c`) with a pipe to its stdout (mode
 * `"r"`) or stdin (mode `"w"`) and returns the pipe as a file (Python's
 * `os.popen`). The command's other streams are this process's. Use
 * `await using`, or `close()`, which waits for the command and returns
 * null on success or Python's status value.
 *
 * Permissions: `--allow-run`.
 *
 * @param command A shell command line.
 * @param mode `"r"` to read its output, `"w"` to write its input.
 * @param buffering Python's argument: any value but 0 (unbuffered is not
 *   supported, as in Python).
 * @returns The file.
 * @throws {ValueError} For another mode, `buffering` 0, or a NUL character
 *   in `command`.
 * @throws {PermissionError} Without `--allow-run`.
 *
 * @example Read a command's output
 * ```ts
 * import { popen } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * await using f = popen("echo hello; echo world");
 * assert.equal(await f.readline(), "hello\n");
 * assert.equal(await f.read(), "world\n");
 * assert.equal(await f.close(), null);
 * ```
 *
 * @example Write a command's input; a failure gives the status
 * ```ts
 * import { popen } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * const f = popen("grep -q needle", "w");
 * await f.write("haystack\n");
 * assert.equal(await f.close(), 1 << 8); // grep found nothing
 * ```
 */
export function popen(
  command: string,
  mode: "r" | "w" = "r",
  buffering = -1,
): PopenFile {
  const cmd = cString(command, "command");
  if (mode !== "r" && mode !== "w") {
    throw new ValueError(`Invalid mode ${describe(mode)} (use "r" or "w")`);
  }
  if (buffering === 0 || buffering === null) {
    throw new ValueError("popen() does not support unbuffered streams");
  }
  integer(buffering, "buffering");
  requirePermission({ name: "run", command: "/bin/sh" }, "/bin/sh");
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("/bin/sh", {
      args: ["-c", cmd],
      stdin: mode === "w" ? "piped" : "inherit",
      stdout: mode === "r" ? "piped" : "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (e) {
    throw fromDenoError(e, "/bin/sh");
  }
  return new PopenFile(child, mode);
}
