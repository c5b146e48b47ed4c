/**
 * A `file:` URL as a path, for the functions that take a path or a URL
 * (`mmap.fromPath`, `os.open`, `Popen`'s `cwd`). Written here instead of
 * importing `node:url`: loading Deno's Node compatibility layer for this one
 * function cost every program that imports the root module ≈ 10–20 ms of
 * start-up (measured: `deno run` of a module importing `fileURLToPath`
 * against an empty one, 2-core VM).
 *
 * The rules are Node's `fileURLToPath` on POSIX: the scheme must be
 * `file:`, the host empty or `localhost`, and the path must not hold an
 * encoded `/`; the rest is percent-decoded.
 *
 * @module
 */

/** The path a `file:` URL names; a TypeError for any other URL. */
export function fileURLToPath(url: URL): string {
  if (url.protocol !== "file:") {
    throw new TypeError(`The URL must be of scheme file: ${url.href}`);
  }
  if (url.hostname !== "" && url.hostname !== "localhost") {
    throw new TypeError(
      `File URL host must be "localhost" or empty on POSIX: ${url.href}`,
    );
  }
  const path = url.pathname;
  if (/%2f/i.test(path)) {
    throw new TypeError(
      `File URL path must not include encoded / characters: ${url.href}`,
    );
  }
  return decodeURIComponent(path);
}
