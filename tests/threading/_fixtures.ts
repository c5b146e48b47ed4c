/**
 * Targets and Thread subclasses that tests load by module reference.
 *
 * @module
 */

import {
  activeCount,
  currentThread,
  enumerate,
  getIdent,
  getNativeId,
  local,
  mainThread,
  Thread,
} from "../../threading/mod.ts";

/** Adds a and b into out[0]. */
export function add(out: Int32Array, a: number, b: number): void {
  Atomics.store(out, 0, a + b);
}

/** Writes the name of the thread running it, as UTF-16 codes. */
export function whoAmI(out: Int32Array): void {
  const name = currentThread().name;
  out[0] = name.length;
  for (let i = 0; i < name.length; i++) out[i + 1] = name.charCodeAt(i);
}

/** A subclass that overrides run(); its fields travel to the Worker. */
export class Summer extends Thread {
  values: number[];
  out: Int32Array;
  constructed = 0;

  constructor(values: number[], out: Int32Array) {
    super({ name: "summer" });
    this.values = values;
    this.out = out;
    this.constructed++;
  }

  override run(): void {
    let s = 0;
    for (const v of this.values) s += v;
    this.out[0] = s;
    // The constructor does not run again in the Worker (Python's spawn
    // unpickles the object): the count is still 1.
    this.out[1] = this.constructed;
    this.out[2] = currentThread() === (this as Thread) ? 1 : 0;
  }
}

/** A subclass with an async run(). */
export class Sleeper extends Thread {
  out: Int32Array;
  constructor(out: Int32Array) {
    super();
    this.out = out;
  }
  override async run(): Promise<void> {
    await new Promise((r) => setTimeout(r, 50));
    this.out[0] = 7;
  }
}

/** Tries to join the current thread; writes 1 if RuntimeError was thrown. */
export function joinSelf(out: Int32Array): void {
  try {
    currentThread().joinSync();
  } catch (e) {
    if ((e as Error).name === "RuntimeError") out[0] = 1;
  }
}

/**
 * Reports what the threading functions say inside a thread, as JSON text in
 * a shared byte buffer (length in the first 4 bytes).
 */
export function introspect(out: Uint8Array): void {
  const me = currentThread();
  const report = {
    name: me.name,
    ident: me.ident,
    getIdent: getIdent(),
    daemon: me.daemon,
    nativeId: getNativeId(),
    main: mainThread().name,
    mainIdent: mainThread().ident,
    active: activeCount(),
    names: enumerate().map((t) => t.name),
    same: currentThread() === me && mainThread() === mainThread(),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(report));
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
}

/** Reads what {@linkcode introspect} wrote. */
export function readReport(out: Uint8Array): Record<string, unknown> {
  const len = new DataView(out.buffer).getUint32(0, true);
  return JSON.parse(new TextDecoder().decode(out.slice(4, 4 + len)));
}

/** Starts a thread from inside a thread, joins it, reports both daemon flags. */
export async function nested(
  out: Int32Array,
  daemon: boolean | null,
): Promise<void> {
  out[0] = currentThread().daemon ? 1 : 0;
  const inner = new Thread({
    target: (out: Int32Array) => {
      out[2] = 42;
    },
    args: [out],
    ...(daemon === null ? {} : { daemon }),
  });
  out[1] = inner.daemon ? 1 : 0;
  inner.start();
  await inner.join();
  out[3] = inner.isAlive() ? 1 : 2;
}

/** The subclass of Python's _threading_local example. */
export class MyLocal extends local {
  declare number: number;
  color?: string;
  constructor(kw: Record<string, unknown> = {}) {
    super(kw);
    Object.assign(this, kw);
  }
  squared(): number {
    return this.number ** 2;
  }
}
// A class attribute, as Python's `number = 2`: not in any thread's dict.
MyLocal.prototype.number = 2;

/** The example's `f`: logs the thread's view of a local, sets number. */
export function localReport(
  mydata: Record<string, unknown>,
  out: Uint8Array,
): void {
  const items = Object.keys(mydata).sort().map((k) => [k, mydata[k]]);
  mydata.number = 11;
  const log = [items, mydata.number];
  const bytes = new TextEncoder().encode(JSON.stringify(log));
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
}

/** Appends a line to a shared log (a SharedArrayBuffer; any thread may write). */
export function writeLine(bytes: Uint8Array, line: string): void {
  const head = new Int32Array(bytes.buffer, 0, 1);
  const data = new TextEncoder().encode(line + "\n");
  bytes.set(data, Atomics.add(head, 0, data.length) + 4);
}

/** Reads the lines of a shared log. */
export function readLines(bytes: Uint8Array): string[] {
  const n = new Int32Array(bytes.buffer, 0, 1)[0]!;
  return new TextDecoder().decode(bytes.slice(4, 4 + n)).split("\n").slice(
    0,
    -1,
  );
}

/** The Barrier example's server: start, meet the client, accept. */
export function barrierServer(
  b: { waitSync(): number },
  log: Uint8Array,
): void {
  writeLine(log, "server started");
  b.waitSync();
  writeLine(log, "server accepts");
}

/** The Barrier example's client: meet the server, connect. */
export function barrierClient(
  b: { waitSync(): number },
  log: Uint8Array,
): void {
  b.waitSync();
  writeLine(log, "client connects");
}
