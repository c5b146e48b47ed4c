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
  try {
    new TextDecoder(encoding);
  } catch {
    throw new ValueError(`unknown encoding: ${encoding}`);
  }
  if (encodeWith(encoding) === undefined) {
    throw new ValueError(
      `unsupported encoding for input: ${encoding} (utf-8, latin-1 and ascii are)`,
    );
  }
  return { encoding, errors };
}

const utf8 = new TextEncoder();

function encodeWith(
  encoding: string,
): ((s: string) => Uint8Array<ArrayBuffer>) | undefined {
  const label = new TextDecoder(encoding).encoding;
  if (label === "utf-8") return (s) => utf8.encode(s);
  // WHATWG maps latin-1 and ascii labels to windows-1252: encode the first
  // 256 code points, which is what Python's latin-1 accepts.
  if (label === "windows-1252") {
    return (s) => {
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) {
          throw new ValueError(
            `'${encoding}' codec can't encode character '\\u${
              c.toString(16).padStart(4, "0")
            }' in position ${i}`,
          );
        }
        out[i] = c;
      }
      return out;
    };
  }
  return undefined;
}

/** Input as bytes: strings are encoded with the text mode's encoding (UTF-8 in bytes mode). */
export function toBytes(
  data: string | Uint8Array,
  mode: TextMode | null,
): Uint8Array<ArrayBuffer> {
  if (typeof data === "string") {
    return mode === null ? utf8.encode(data) : encodeWith(mode.encoding)!(data);
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

/**
 * An incremental decoder that also translates `\r\n` and `\r` to `\n`, as
 * Python's text mode does (a `\r` at the end of a chunk waits for the next).
 */
export class Decoding {
  #decoder: TextDecoder;
  #mode: TextMode;
  #heldCr = false;

  constructor(mode: TextMode) {
    this.#mode = mode;
    this.#decoder = new TextDecoder(mode.encoding, {
      fatal: mode.errors === "strict",
    });
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
