/**
 * The benchmark harness: each case runs the same work in pyconc and in
 * CPython (`python3`), in one run, and the table shows both and the ratio.
 *
 * A case's Python side is a script that prints one number (the metric) on
 * its last line of output; its pyconc side is a function returning the same
 * metric. The ratio is "× CPython": above 1 means pyconc is better, for
 * throughputs (higher is better) and latencies (lower is better) alike.
 *
 * @module
 */

/** One benchmark, measured in both runtimes. */
export interface BenchCase {
  /** What is measured, e.g. "Lock acquire+release (uncontended)". */
  name: string;
  /** The metric's unit, e.g. "pairs/s", "ms", "MB/s". */
  unit: string;
  /** Whether a higher number is better (throughput) or lower (latency). */
  better: "higher" | "lower";
  /** A Python 3 script printing the metric as its last line. */
  python: string;
  /** The same work in pyconc; returns the metric. */
  pyconc: () => Promise<number> | number;
  /** A goal as a ratio to CPython (e.g. 2 for "≥ 2× CPython"), shown with the result. */
  goal?: number;
  /** A goal as an absolute bound on the metric (e.g. ≤ 1 ms), instead of a ratio. */
  limit?: number;
  /**
   * Rounds to run, CPython and pyconc in turn, keeping each side's best
   * (default 1). For short latency rows on a shared machine: noise only
   * slows a side down, and taking turns gives both sides the same moments.
   */
  rounds?: number;
}

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
    const best = (a: number, b: number) =>
      c.better === "higher" ? Math.max(a, b) : Math.min(a, b);
    let python = await runPython(c.python);
    let pyconc = await c.pyconc();
    for (let i = 1; i < (c.rounds ?? 1); i++) {
      python = best(python, await runPython(c.python));
      pyconc = best(pyconc, await c.pyconc());
    }
    const ratio = c.better === "higher" ? pyconc / python : python / pyconc;
    const row: BenchRow = {
      group,
      name: (c.rounds ?? 1) > 1 ? `${c.name}, best of ${c.rounds}` : c.name,
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
