/**
 * Temporary files for the mmap tests.
 *
 * @module
 */

import { close, O_RDONLY, O_RDWR, open } from "../../os_process/mod.ts";

const encoder = new TextEncoder();

/** Bytes of a string (Latin-1 code points and ASCII as one byte each). */
export function b(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Bytes as a string, one character per byte, for readable asserts. */
export function s(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/**
 * A temporary file holding `content`, with a descriptor open on it
 * (read-write, or read-only), removed on dispose.
 */
export function tempFile(
  content: Uint8Array | string,
  mode: "r+" | "r" = "r+",
): { path: string; fd: number } & Disposable {
  const path = Deno.makeTempFileSync({ prefix: "pyconc_mmap_" });
  Deno.writeFileSync(
    path,
    typeof content === "string" ? encoder.encode(content) : content,
  );
  const fd = open(path, mode === "r" ? O_RDONLY : O_RDWR);
  return {
    path,
    fd,
    [Symbol.dispose]() {
      close(fd);
      Deno.removeSync(path);
    },
  };
}
