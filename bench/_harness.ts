/**
 * The benchmark harness: each case runs the same work in pyconc and in
 * CPython (`python3`), in one run, and the table shows both and the ratio.
 *
 * A case's Python side is a script that prints one number (the metric) on
 * its last line of output; its pyconc side is a function returning the same
 * metric; or, for short latencies, an interleaved case: one long-lived
 * `python3` and this process take turns in small batches of the same work,
 * and each side's median per-iteration time is its figure (see
 * {@linkcode Interleave}). The ratio is "× CPython": above 1 means pyconc is better, for
 * throughputs (higher is better) and latencies (lower is better) alike.
 *
 * @module
 */

/** What every benchmark has, whichever way it is measured. */
interface BenchBase {
  /** What is measured, e.g. "Lock acquire+release (uncontended)". */
  name: string;
  /** The metric's unit, e.g. "pairs/s", "ms", "MB/s". */
  unit: string;
  /** Whether a higher number is better (throughput) or lower (latency). */
  better: "higher" | "lower";
  /** A goal as a ratio to CPython (e.g. 2 for "≥ 2× CPython"), shown with the result. */
  goal?: number;
  /** A goal as an absolute bound on the metric (e.g. ≤ 1 ms), instead of a ratio. */
  limit?: number;
  /**
   * Rounds to run, CPython and pyconc in turn, keeping each side's best
   * (default 1). For short latency rows on a shared machine: noise only
   * slows a side down, and taking turns gives both sides the same moments.
   * Script cases only: an interleaved case takes turns batch by batch.
   */
  rounds?: number;
}

/** A benchmark measured by a whole Python script, then a pyconc function. */
export interface ScriptCase extends BenchBase {
  /** A Python 3 script printing the metric as its last line. */
  python: string;
  /** The same work in pyconc; returns the metric. */
  pyconc: () => Promise<number> | number;
  interleave?: undefined;
}

/**
 * A latency benchmark whose two sides take turns in small batches: one
 * long-lived `python3` runs a batch of `size` iterations of `pythonBody`
 * each time it is asked, and `pyconcBatch` runs its batch between them in
 * this process, in random order, `batches` times each. Load on a shared
 * machine drifts over seconds; batches of milliseconds see the same load on
 * both sides, which a whole script run before a whole function cannot.
 * The row's metric is each side's median per-iteration time (ms) over all
 * batches. Both sides run `warm` untimed iterations first.
 */
export interface Interleave {
  /** Batches per side. */
  batches: number;
  /** Iterations per batch. */
  size: number;
  /** Untimed iterations on each side before the first batch (default 20). */
  warm?: number;
  /** Python statements run once at the start (imports, definitions). */
  pythonSetup: string;
  /** Python statements: one iteration, timed with `time.perf_counter()`. */
  pythonBody: string;
  /**
   * Runs `n` iterations of the same work in pyconc; returns each one's time
   * in ms (see {@linkcode timeEach}).
   */
  pyconcBatch: (n: number) => Promise<number[]> | number[];
}

/** A latency benchmark whose sides take turns batch by batch. */
export interface InterleavedCase extends BenchBase {
  better: "lower";
  interleave: Interleave;
}

/** One benchmark, measured in both runtimes. */
export type BenchCase = ScriptCase | InterleavedCase;

/** A measured row of the table. */
export interface BenchRow {
  group: string;
  name: string;
  unit: string;
  pyconc: number;
  python: number;
  ratio: number;
  goal?: number;
  limit?: number;
  better: "higher" | "lower";
}

const decoder = new TextDecoder();

/** Runs a Python script and returns the number it printed last. */
export async function runPython(code: string): Promise<number> {
  const out = await new Deno.Command("python3", {
    args: ["-c", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`python3 failed: ${decoder.decode(out.stderr)}`);
  }
  const last = text.split("\n").pop() ?? "";
  const n = Number(last);
  if (!Number.isFinite(n)) {
    throw new Error(`python3 printed no number: ${text}`);
  }
  return n;
}

/** Runs the cases of one group, printing each row as it completes. */
export async function runGroup(
  group: string,
  cases: BenchCase[],
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of cases) {
    const [python, pyconc, name] = c.interleave === undefined
      ? await runScriptCase(c)
      : await runInterleaved(c.interleave, c.name);
    const ratio = c.better === "higher" ? pyconc / python : python / pyconc;
    const row: BenchRow = {
      group,
      name,
      unit: c.unit,
      pyconc,
      python,
      ratio,
      better: c.better,
    };
    if (c.goal !== undefined) row.goal = c.goal;
    if (c.limit !== undefined) row.limit = c.limit;
    rows.push(row);
    console.log(formatRow(row));
  }
  return rows;
}

/** A script case's CPython and pyconc figures, and its row's name. */
async function runScriptCase(
  c: ScriptCase,
): Promise<[number, number, string]> {
  const best = (a: number, b: number) =>
    c.better === "higher" ? Math.max(a, b) : Math.min(a, b);
  let python = await runPython(c.python);
  let pyconc = await c.pyconc();
  for (let i = 1; i < (c.rounds ?? 1); i++) {
    python = best(python, await runPython(c.python));
    pyconc = best(pyconc, await c.pyconc());
  }
  const rounds = c.rounds ?? 1;
  return [python, pyconc, rounds > 1 ? `${c.name}, best of ${rounds}` : c.name];
}

/**
 * An interleaved case's median per-iteration ms on each side, and its
 * row's name.
 */
async function runInterleaved(
  il: Interleave,
  name: string,
): Promise<[number, number, string]> {
  const py = await PythonBatches.start(il);
  try {
    await il.pyconcBatch(il.warm ?? 20);
    const python: number[] = [];
    const pyconc: number[] = [];
    for (let b = 0; b < il.batches; b++) {
      // A coin decides who goes first, so that neither side always runs
      // just after the other (e.g. on the heels of its children's exits).
      if (Math.random() < 0.5) {
        python.push(...await py.batch(il.size));
        pyconc.push(...await il.pyconcBatch(il.size));
      } else {
        pyconc.push(...await il.pyconcBatch(il.size));
        python.push(...await py.batch(il.size));
      }
    }
    return [
      median(python),
      median(pyconc),
      `${name} (median of ${il.batches}×${il.size}, interleaved)`,
    ];
  } finally {
    await py.close();
  }
}

/** Indents Python statements by `pad`, keeping their relative indentation. */
function indentPython(code: string, pad: string): string {
  const lines = code.split("\n").filter((l) => l.trim() !== "");
  const common = Math.min(
    ...lines.map((l) => l.length - l.trimStart().length),
  );
  return lines.map((l) => pad + l.slice(common)).join("\n");
}

/**
 * One `python3` process running an interleaved case's batches: it runs the
 * setup and the warm-up, says `ready`, then for each line `n` on its stdin
 * runs `n` timed iterations and prints their ms on one line.
 */
class PythonBatches {
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdout: ReadableStreamDefaultReader<string>;
  #stderr: Promise<string>;
  #buffered = "";

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#stdout = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    // Drained all along, so that a chatty script cannot block on a full pipe.
    this.#stderr = new Response(child.stderr).text();
  }

  /** Starts the process and waits for its setup and warm-up. */
  static async start(il: Interleave): Promise<PythonBatches> {
    const script = `
import sys, time
${indentPython(il.pythonSetup, "")}
for _ in range(${il.warm ?? 20}):
${indentPython(il.pythonBody, "    ")}
print("ready", flush=True)
while True:
    _line = sys.stdin.readline()
    if not _line:
        break
    _xs = []
    for _ in range(int(_line)):
        _t = time.perf_counter()
${indentPython(il.pythonBody, "        ")}
        _xs.append((time.perf_counter() - _t) * 1000)
    print(" ".join(map(repr, _xs)), flush=True)
`;
    const child = new Deno.Command("python3", {
      args: ["-u", "-c", script],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const py = new PythonBatches(child);
    try {
      const line = await py.#line();
      if (line !== "ready") throw await py.#failure(line);
    } catch (e) {
      await py.close();
      throw e;
    }
    return py;
  }

  /** Runs one batch of `n` iterations; each one's ms. */
  async batch(n: number): Promise<number[]> {
    await this.#stdin.write(new TextEncoder().encode(`${n}\n`));
    const line = await this.#line();
    const xs = line.split(" ").map(Number);
    if (xs.length !== n || !xs.every(Number.isFinite)) {
      throw await this.#failure(line);
    }
    return xs;
  }

  /** Ends the process: EOF on its stdin, or a kill if it does not go. */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 5000);
    try {
      await this.#child.status;
    } finally {
      clearTimeout(timer);
    }
    await this.#stdout.cancel().catch(() => {});
    await this.#stderr.catch(() => "");
  }

  /** The next line of output ("" at its end). */
  async #line(): Promise<string> {
    while (!this.#buffered.includes("\n")) {
      const r = await this.#stdout.read();
      if (r.done) {
        const rest = this.#buffered;
        this.#buffered = "";
        return rest;
      }
      this.#buffered += r.value;
    }
    const i = this.#buffered.indexOf("\n");
    const line = this.#buffered.slice(0, i);
    this.#buffered = this.#buffered.slice(i + 1);
    return line;
  }

  /** The error for an unexpected line: the script's stderr and exit. */
  async #failure(line: string): Promise<Error> {
    // Kill first: a script that printed garbage may still be running.
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
    const status = await this.#child.status;
    const stderr = await this.#stderr.catch(() => "");
    return new Error(
      `python3 (interleaved batches) failed (exit ${status.code}): ${
        line === "" ? "no output" : `printed ${JSON.stringify(line)}`
      }\n${stderr}`,
    );
  }
}

/**
 * A {@linkcode Interleave.pyconcBatch} that times each call of `once` (ms),
 * awaiting it only when it returns a promise (a sync call's time includes
 * no microtask turn); `before`, if given, runs untimed before each call.
 */
export function timeEach(
  once: () => unknown,
  before?: () => unknown,
): (n: number) => Promise<number[]> {
  return async (n) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      if (before !== undefined) await before();
      const t0 = performance.now();
      const r = once();
      if (r instanceof Promise) await r;
      times.push(performance.now() - t0);
    }
    return times;
  };
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 100) return n.toFixed(0);
  return n.toPrecision(3);
}

/** Whether a row meets its goal (true when it has none). */
export function meetsGoal(r: BenchRow): boolean {
  if (r.limit !== undefined) {
    return r.better === "higher" ? r.pyconc >= r.limit : r.pyconc <= r.limit;
  }
  return r.goal === undefined || r.ratio >= r.goal;
}

/** One Markdown table row. */
export function formatRow(r: BenchRow): string {
  let goal = "";
  if (r.limit !== undefined) {
    goal = `${meetsGoal(r) ? "✓" : "✗"} ${
      r.better === "higher" ? "≥" : "≤"
    } ${r.limit} ${r.unit}`;
  } else if (r.goal !== undefined) {
    goal = `${meetsGoal(r) ? "✓" : "✗"} ≥ ${r.goal}×`;
  }
  return `| ${r.group} | ${r.name} | ${fmt(r.pyconc)} ${r.unit} | ${
    fmt(r.python)
  } ${r.unit} | ${r.ratio.toFixed(2)}× | ${goal} |`;
}

/** The table header (Markdown). */
export const TABLE_HEADER =
  "| module | benchmark | pyconc | CPython 3.11 | × CPython | goal |\n" +
  "|---|---|---|---|---|---|";

/**
 * A Python script printing the median time (ms) of `body` over `runs` runs
 * after two untimed ones (the start-up rows' shape).
 * @param imports Modules `body` uses (`time` and `statistics` come anyway).
 * @param body Python statements, one per line (no nested blocks).
 */
export function pyMedianMs(
  runs: number,
  imports: string,
  body: string,
): string {
  const lines = body.trim().split("\n").map((l) => `    ${l.trim()}`);
  return `
import time, statistics${imports === "" ? "" : `, ${imports}`}
xs = []
for i in range(${runs + 2}):
    t0 = time.perf_counter()
${lines.join("\n")}
    if i >= 2: xs.append((time.perf_counter() - t0) * 1000)
print(statistics.median(xs))`;
}

/** The median of some numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
