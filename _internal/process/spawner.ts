/**
 * Starting a child process as multiprocessing starts them: `posix_spawn`
 * with chosen descriptors (see os.ts for why not `Deno.Command`), and the
 * run permission it checks first.
 *
 * Apart from os.ts (the calls a child makes about processes): a child
 * loads this (and `_internal/spawn.ts`) only when it starts a process.
 *
 * @module
 */

import { spawn as spawnChild } from "../spawn.ts";
import { PermissionError } from "../errors.ts";

/** How to start a child. */
export interface SpawnOptions {
  /** Descriptors to give the child: `[ours, theirs]` pairs (dup2). */
  fds?: [number, number][];
  /** Put the child in a process group of its own (terminal signals miss it). */
  newGroup?: boolean;
}

/**
 * Starts `argv[0]` with `argv`, the parent's environment, stdin from
 * `/dev/null` (as Python's children), stdout and stderr inherited, every
 * signal at its default action and an empty signal mask.
 *
 * @returns the child's pid.
 * @throws {OSError} If the spawn fails.
 */
export function spawn(argv: string[], options: SpawnOptions = {}): number {
  return spawnChild({
    file: argv[0]!,
    argv,
    env: null,
    search: false,
    stdio: [{ kind: "devnull" }, { kind: "inherit" }, { kind: "inherit" }],
    extra: (options.fds ?? []).map(([fd, target]) => ({ fd, target })),
    processGroup: options.newGroup ? 0 : null,
    resetSignals: "all",
  });
}

/**
 * Checks that this program may start `deno` (Python's children need no
 * permission; Deno's do: the spawn goes through FFI, but the permission
 * model is kept).
 * @throws {PermissionError} Without `--allow-run` for the deno executable.
 */
export function checkRunPermission(): void {
  const state = Deno.permissions.querySync({
    name: "run",
    command: Deno.execPath(),
  }).state;
  if (state !== "granted") {
    throw new PermissionError(
      `Starting a process runs ${Deno.execPath()}: grant --allow-run`,
    );
  }
}
