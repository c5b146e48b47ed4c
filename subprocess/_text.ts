/**
 * Text mode: decoding with universal newlines, encoding of input.
 *
 * @module
 */

import { ValueError } from "../_internal/errors.ts";

/** How text mode decodes and encodes. */
export interface TextMode {
  encoding: string;
  errors: "strict" | "replace";
}

/** Python's spelling of an encoding, normalised (`Latin_1` → `latin-1`). */
function normalise(encoding: string): string {
  return encoding.trim().toLowerCase().replaceAll("_", "-");
}

/** Encodings Python maps byte for byte onto the first code points. */
const ONE_TO_ONE: Record<string, number> = {
  "latin-1": 0xff,
  "latin1": 0xff,
  "iso-8859-1": 0xff,
  "iso8859-1": 0xff,
  "l1": 0xff,
  "ascii": 0x7f,
  "us-ascii": 0x7f,
};

/** The text mode that the options ask for, or null for bytes. */
export function textMode(options: {
  text?: boolean | undefined;
  universalNewlines?: boolean | undefined;
  encoding?: string | null | undefined;
  errors?: string | null | undefined;
}): TextMode | null {
  const wanted = options.text || options.universalNewlines ||
    options.encoding != null || options.errors != null;
  if (!wanted) return null;
  const errors = options.errors ?? "strict";
  if (errors !== "strict" && errors !== "replace") {
    throw new ValueError(
      `errors must be 'strict' or 'replace', not '${errors}'`,
    );
  }
  const encoding = options.encoding ?? "utf-8";
  if (!(normalise(encoding) in ONE_TO_ONE)) {
    try {
      new TextDecoder(encoding);
    } catch {
      throw new ValueError(`unknown encoding: ${encoding}`);
    }
  }
  return { encoding, errors };
}

const utf8 = new TextEncoder();

function encodeWith(mode: TextMode, s: string): Uint8Array<ArrayBuffer> {
  const max = ONE_TO_ONE[normalise(mode.encoding)];
  if (max === undefined) {
    if (new TextDecoder(mode.encoding).encoding === "utf-8") {
      return utf8.encode(s);
    }
    throw new ValueError(
      `Cannot encode input as ${mode.encoding}: give bytes (strings are encoded as UTF-8, Latin-1 or ASCII)`,
    );
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > max) {
      if (mode.errors === "replace") {
        out[i] = 0x3f; // "?", as Python's errors="replace" when encoding
        continue;
      }
      throw new ValueError(
        `'${mode.encoding}' codec can't encode character '\\u${
          c.toString(16).padStart(4, "0")
        }' in position ${i}`,
      );
    }
    out[i] = c;
  }
  return out;
}

/** Input as bytes: strings are encoded with the text mode's encoding (UTF-8 in bytes mode). */
export function toBytes(
  data: string | Uint8Array,
  mode: TextMode | null,
): Uint8Array<ArrayBuffer> {
  if (typeof data === "string") {
    return mode === null ? utf8.encode(data) : encodeWith(mode, data);
  }
  if (data instanceof Uint8Array) {
    return data.buffer instanceof ArrayBuffer
      ? data as Uint8Array<ArrayBuffer>
      : new Uint8Array(data);
  }
  throw new TypeError(
    `input must be a string or a Uint8Array, not ${typeof data}`,
  );
}

/** Decodes Latin-1 or ASCII byte for byte, as Python does. */
class OneToOneDecoder {
  #max: number;
  #mode: TextMode;
  constructor(max: number, mode: TextMode) {
    this.#max = max;
    this.#mode = mode;
  }
  decode(bytes: Uint8Array): string {
    let out = "";
    for (let i = 0; i < bytes.length; i += 8192) {
      const part = bytes.subarray(i, i + 8192);
      if (this.#max < 0xff) {
        const bad = part.findIndex((b) => b > this.#max);
        if (bad >= 0 && this.#mode.errors === "strict") {
          throw new TypeError(`byte 0x${part[bad]!.toString(16)} out of range`);
        }
        out += String.fromCharCode(
          ...part.map((b) => (b > this.#max ? 0xfffd : b)),
        );
      } else {
        out += String.fromCharCode(...part);
      }
    }
    return out;
  }
}

/**
 * An incremental decoder that also translates `\r\n` and `\r` to `\n`, as
 * Python's text mode does (a `\r` at the end of a chunk waits for the next).
 */
export class Decoding {
  #decoder: {
    decode(bytes: Uint8Array, options?: { stream: boolean }): string;
  };
  #mode: TextMode;
  #heldCr = false;

  constructor(mode: TextMode) {
    this.#mode = mode;
    const max = ONE_TO_ONE[normalise(mode.encoding)];
    this.#decoder = max !== undefined
      ? new OneToOneDecoder(max, mode)
      : new TextDecoder(mode.encoding, { fatal: mode.errors === "strict" });
  }

  /** Decodes a chunk; `final` flushes what a chunk boundary held back. */
  decode(bytes: Uint8Array, final: boolean): string {
    let s: string;
    try {
      s = this.#decoder.decode(bytes, { stream: !final });
    } catch (e) {
      throw new ValueError(
        `'${this.#mode.encoding}' codec can't decode the child's output: invalid data`,
        { cause: e },
      );
    }
    if (this.#heldCr) s = "\r" + s;
    this.#heldCr = !final && s.endsWith("\r");
    if (this.#heldCr) s = s.slice(0, -1);
    return s.includes("\r") ? s.replace(/\r\n?/g, "\n") : s;
  }
}
