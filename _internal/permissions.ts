/**
 * Deno's permission checks for work the library does through FFI.
 *
 * A libc call made through FFI bypasses Deno's permission model: with
 * `--allow-ffi` alone, `open(2)` could read any file. The library does not
 * use that loophole: before opening a path, starting a program or signalling
 * a process through libc it asks for the permission Deno itself would ask
 * for (`--allow-read`, `--allow-write`, `--allow-run`), so a program's flags
 * keep their meaning.
 *
 * @module
 */

import { errno, PermissionError } from "./errors.ts";

/** The flag that grants each kind of permission. */
const FLAGS: Record<string, string> = {
  read: "--allow-read",
  write: "--allow-write",
  run: "--allow-run",
  env: "--allow-env",
};

/**
 * Throws PermissionError unless Deno grants the permission without a prompt.
 *
 * @param desc The permission, as `Deno.permissions.querySync` takes it.
 * @param filename The path or program involved, for the message.
 * @throws {PermissionError} If the permission is not granted.
 */
export function requirePermission(
  desc:
    | Deno.ReadPermissionDescriptor
    | Deno.WritePermissionDescriptor
    | Deno.RunPermissionDescriptor,
  filename?: string,
): void {
  if (Deno.permissions.querySync(desc).state === "granted") return;
  const what = desc.name === "run" ? "run access" : `${desc.name} access`;
  throw new PermissionError(
    errno.EACCES,
    `Requires ${what}, run again with ${FLAGS[desc.name]}`,
    filename ?? null,
  );
}
