/**
 * NULL-terminated arrays of C strings (`char *const argv[]`), packed into
 * one buffer: the one way the library hands libc a list of strings (spawn's
 * argv and environment, `os.exec*`).
 *
 * @module
 */

import { cstr } from "./libc.ts";
import { ValueError } from "../errors.ts";

/**
 * A `char *[]` of C strings, encoded into buffers reused from one start to
 * the next (posix_spawn keeps nothing after it returns). Right after a
 * child has run, this thread's caches are cold and each allocation, pointer
 * look-up or op call costs microseconds: a buffer per string, its address
 * and a TextEncoder call each cost a start ≈ 60 µs in all; packed, ≈ 5.
 */
export class CStrings {
  #bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #bytesAt = 0;
  #pointers: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #words = new Uint32Array(0);

  /**
   * Packs `items` (checked as {@linkcode cstr} does).
   * @returns The NULL-terminated pointer array, valid until the next pack.
   * @throws {ValueError} For a NUL or a lone surrogate in an item.
   */
  pack(items: readonly string[]): Uint8Array<ArrayBuffer> {
    let need = 1;
    for (const s of items) need += 3 * s.length + 1; // ≤ 3 UTF-8 bytes a unit
    if (need > this.#bytes.length) {
      this.#bytes = new Uint8Array(Math.max(256, 2 * need));
      this.#bytesAt = Number(
        Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.#bytes)),
      );
    }
    const slots = 2 * (items.length + 1);
    if (slots > this.#words.length) {
      this.#words = new Uint32Array(Math.max(32, 2 * slots));
      this.#pointers = new Uint8Array(this.#words.buffer);
    }
    const bytes = this.#bytes;
    const words = this.#words;
    let at = 0;
    for (let i = 0; i < items.length; i++) {
      const address = this.#bytesAt + at; // below 2^53: exact as a number
      words[2 * i] = address % 0x1_0000_0000;
      words[2 * i + 1] = Math.floor(address / 0x1_0000_0000);
      at = encodeAt(items[i]!, bytes, at);
      bytes[at++] = 0;
    }
    words[slots - 2] = 0;
    words[slots - 1] = 0;
    return this.#pointers;
  }

  /** The first packed string (argv[0]), NUL-terminated. */
  get first(): Uint8Array<ArrayBuffer> {
    return this.#bytes;
  }
}
const encoder = new TextEncoder();

/**
 * Writes `s` as UTF-8 at `bytes[at]` (room known to be there).
 * @returns The offset after it.
 * @throws {ValueError} As {@linkcode cstr}, for a NUL or a lone surrogate.
 */
function encodeAt(s: string, bytes: Uint8Array, at: number): number {
  // Short ASCII, the usual argument, by hand: cold, TextEncoder's call
  // costs ≈ 15 µs; this loop ≈ 3 (and a NUL is seen on the way).
  if (s.length <= 256) {
    let j = 0;
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 0 || c >= 0x80) break;
      bytes[at + j] = c;
    }
    if (j === s.length) return at + j;
  }
  if (s.includes("\0")) throw new ValueError("embedded null byte");
  if (!s.isWellFormed()) cstr(s); // throws Python's UnicodeEncodeError
  return at + encoder.encodeInto(s, bytes.subarray(at)).written!;
}

/**
 * A NULL-terminated array of C strings of its own (not reused). The strings'
 * buffer is returned too: it must stay referenced while the array is in use.
 * @throws {ValueError} As {@linkcode cstr}, for any of the strings.
 */
export function cstrArray(
  items: readonly string[],
): { array: Uint8Array<ArrayBuffer>; keep: Uint8Array[] } {
  const strings = new CStrings();
  const array = strings.pack(items);
  return { array, keep: [strings.first] };
}
