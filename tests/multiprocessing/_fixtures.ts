/**
 * Targets and Process subclasses that tests load by module reference.
 *
 * @module
 */

import { currentProcess, Process } from "../../multiprocessing/mod.ts";

/** Exits with a + b (module-reference target). */
export function exitWithSum(a: number, b: number): void {
  Deno.exit(a + b);
}

/** A subclass that overrides run(); its fields travel to the child. */
export class Exiter extends Process {
  code: number;
  constructed = 0;

  constructor(code: number) {
    super();
    this.code = code;
    this.constructed++;
  }

  override run(): void {
    // The constructor does not run again in the child (Python's spawn
    // unpickles the object): the count is still 1; and the running object
    // is currentProcess().
    const ok = this.constructed === 1 && currentProcess() === this &&
      currentProcess().name === this.name;
    Deno.exit(ok ? this.code : 99);
  }
}

/** A subclass with an async run(). */
export class AsyncExiter extends Process {
  override async run(): Promise<void> {
    await new Promise((r) => setTimeout(r, 1));
    Deno.exit(5);
  }
}

/** A module-reference target for pools. */
export function add(a: number, b: number): number {
  return a + b;
}

/**
 * Reports what currentProcess() is in a child whose target is a function
 * (the child runner makes its object on first ask), then renames it and
 * fails: the report of the error names the process by its new name.
 */
export function describeCurrent(
  q: { putSync(v: unknown): void },
  arg: number,
  options: { k: string },
): void {
  const me = currentProcess();
  q.putSync({
    same: currentProcess() === me,
    isProcess: me instanceof Process,
    name: me.name,
    pid: me.pid === Deno.pid,
    daemon: me.daemon,
    repr: String(me),
    args: [arg, options.k],
  });
  me.name = "Renamed";
  throw new Error("after renaming");
}
