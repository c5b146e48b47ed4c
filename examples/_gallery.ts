/**
 * The gallery's checker: finds the examples, reads the Python original and
 * the expected output from each file's opening comment, runs the port (or,
 * with `python: true`, the Python original) and compares what it printed.
 *
 * An example file opens with a block comment holding a fenced `python`
 * block (the original) and one or more fenced `output` blocks: the expected
 * standard output, block after block. A block fenced as `output any order`
 * matches its lines in any order (threads and processes finish when they
 * finish); the others match line by line. In expected lines, `«int»`,
 * `«num»`, `«time»` (HH:MM:SS), `«datetime»` (Python's
 * `str(datetime.now())`) and `«*»` stand for what differs between
 * runs (process ids, clock times).
 *
 * @module
 */

const HERE = new URL("./", import.meta.url);

/**
 * Examples that need a module still being built, by file name. Each is
 * skipped, naming the missing export, until importing its module finds the
 * export; then it runs. Empty now that `Pool`, `ThreadPool`,
 * `ProcessPoolExecutor` and `Manager` exist. An entry reads
 * `"make_dict_manager.ts": [{ module: "multiprocessing", name: "Manager" }]`.
 */
export const AWAITING: Record<string, { module: string; name: string }[]> = {};

/**
 * Run before each Python original (not part of it): Python's `print` writes
 * a line in two pieces (the text, then the end), so the lines of concurrent
 * threads can interleave mid-line (`startingstarting`). Printing each line
 * with one write keeps lines whole, so the check can compare them.
 */
const PYTHON_PRELUDE = `import builtins as _b, sys as _s, threading as _t
_lock = _t.Lock()
def _print(*args, sep=' ', end='\\n', file=None, flush=False):
    file = _s.stdout if file is None else file
    with _lock:
        file.write(sep.join(map(str, args)) + end)
        file.flush()
_b.print = _print
del _b, _t
`;

/** One fenced block of expected output. */
export interface OutputBlock {
  /** Whether the lines may come in any order. */
  anyOrder: boolean;
  /** The expected lines (patterns). */
  lines: string[];
}

/** An example of the gallery. */
export interface Example {
  /** File name, in `examples/`. */
  file: string;
  /** The first line of its opening comment. */
  title: string;
  /** The Python original. */
  python: string;
  /** The expected output. */
  output: OutputBlock[];
}

/** Reads one example file. */
export function parseExample(file: string, text: string): Example {
  const start = text.indexOf("/*");
  const end = text.indexOf("*/", start);
  if (start < 0 || end < 0) throw new Error(`${file}: no opening comment`);
  const comment = text.slice(start + 2, end);
  const title = comment.trim().split("\n")[0]!.trim();
  let python = "";
  const output: OutputBlock[] = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```\s*$/gm;
  for (const m of comment.matchAll(fence)) {
    const info = m[1]!.trim();
    const body = m[2]!;
    if (info === "python") python = body;
    else if (info.startsWith("output")) {
      const lines = body.replace(/\n$/, "").split("\n");
      output.push({ anyOrder: info.includes("any order"), lines });
    }
  }
  if (python === "") throw new Error(`${file}: no python block`);
  if (output.length === 0) throw new Error(`${file}: no output block`);
  return { file, title, python, output };
}

/** Every example, in file name order (private `_` files and the demo excluded). */
export async function listExamples(): Promise<Example[]> {
  const out: Example[] = [];
  for await (const e of Deno.readDir(HERE)) {
    if (!e.isFile || !e.name.endsWith(".ts")) continue;
    if (
      e.name.startsWith("_") || e.name === "demo.ts" || e.name === "check.ts"
    ) {
      continue;
    }
    const text = await Deno.readTextFile(new URL(e.name, HERE));
    out.push(parseExample(e.name, text));
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** What an example awaits that is not there yet (empty when it can run). */
export async function missingExports(file: string): Promise<string[]> {
  const missing: string[] = [];
  for (const { module, name } of AWAITING[file] ?? []) {
    let mod: Record<string, unknown> = {};
    try {
      mod = await import(new URL(`../${module}/mod.ts`, HERE).href);
    } catch { /* a module that does not load lacks the export */ }
    if (!(name in mod)) missing.push(`${module}.${name}`);
  }
  return missing;
}

function pattern(line: string): RegExp {
  const esc = line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll("«int»", "-?\\d+")
    .replaceAll("«num»", "-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?")
    .replaceAll("«time»", "\\d\\d:\\d\\d:\\d\\d")
    .replaceAll(
      "«datetime»",
      "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d{6})?",
    )
    .replaceAll("«\\*»", ".*");
  return new RegExp(`^${esc}$`);
}

/** Matches lines to patterns one to one, in any order (augmenting paths). */
function matchAnyOrder(lines: string[], patterns: RegExp[]): boolean {
  const owner: number[] = patterns.map(() => -1);
  const tryLine = (i: number, seen: boolean[]): boolean => {
    for (let p = 0; p < patterns.length; p++) {
      if (seen[p] || !patterns[p]!.test(lines[i]!)) continue;
      seen[p] = true;
      if (owner[p] === -1 || tryLine(owner[p]!, seen)) {
        owner[p] = i;
        return true;
      }
    }
    return false;
  };
  return lines.every((_, i) => tryLine(i, patterns.map(() => false)));
}

/**
 * Compares printed output with the expected blocks.
 * @returns null when it matches, else what differs.
 */
export function compare(stdout: string, blocks: OutputBlock[]): string | null {
  const lines = stdout.replace(/\n$/, "").split("\n");
  const want = blocks.reduce((n, b) => n + b.lines.length, 0);
  if (lines.length !== want) {
    return `expected ${want} lines, got ${lines.length}`;
  }
  let at = 0;
  for (const block of blocks) {
    const got = lines.slice(at, at + block.lines.length);
    const patterns = block.lines.map(pattern);
    if (block.anyOrder) {
      if (!matchAnyOrder(got, patterns)) {
        return `lines ${at + 1}-${at + got.length} (any order) do not match`;
      }
    } else {
      for (let i = 0; i < got.length; i++) {
        if (!patterns[i]!.test(got[i]!)) {
          return `line ${at + i + 1}: expected ${
            JSON.stringify(block.lines[i])
          }, got ${JSON.stringify(got[i])}`;
        }
      }
    }
    at += block.lines.length;
  }
  return null;
}

/** The outcome of running one example. */
export interface Outcome {
  example: Example;
  /** "pass", "fail" or "skip". */
  status: "pass" | "fail" | "skip";
  /** Why it failed or was skipped. */
  reason?: string;
  stdout?: string;
  stderr?: string;
  ms: number;
}

/** Runs one example (the port, or its Python original) and checks its output. */
export async function runExample(
  example: Example,
  { python = false, timeout = 60 } = {},
): Promise<Outcome> {
  const t0 = performance.now();
  const missing = python ? [] : await missingExports(example.file);
  if (missing.length > 0) {
    return {
      example,
      status: "skip",
      reason: `awaiting ${missing.join(", ")}`,
      ms: 0,
    };
  }
  // Each run gets its own TMPDIR and a marker in its environment, which
  // every process it starts inherits: what is left behind is found.
  const tmp = await Deno.makeTempDir({ prefix: "pyconc_gallery_" });
  const marker = `${tmp}:${crypto.randomUUID()}`;
  const env = { TMPDIR: tmp, PYCONC_GALLERY_RUN: marker };
  let cmd: Deno.Command;
  if (python) {
    const script = `${tmp}/${example.file.replace(/\.ts$/, ".py")}`;
    await Deno.writeTextFile(script, PYTHON_PRELUDE + example.python);
    cmd = new Deno.Command("python3", {
      args: [script],
      env: { ...env, PYTHONUNBUFFERED: "1" },
      stdout: "piped",
      stderr: "piped",
    });
  } else {
    cmd = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", new URL(example.file, HERE).href],
      env,
      stdout: "piped",
      stderr: "piped",
    });
  }
  const child = cmd.spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeout * 1000);
  const { code, signal, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const leaks = await leftBehind(marker, child.pid, tmp, python);
  await Deno.remove(tmp, { recursive: true });
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  const ms = performance.now() - t0;
  const base = { example, stdout: out, stderr: err, ms };
  if (code !== 0) {
    return {
      ...base,
      status: "fail",
      reason: signal ? `killed by ${signal}` : `exit code ${code}`,
    };
  }
  if (leaks.length > 0) {
    return { ...base, status: "fail", reason: `left ${leaks.join(", ")}` };
  }
  const diff = compare(out, example.output);
  return diff === null
    ? { ...base, status: "pass" }
    : { ...base, status: "fail", reason: diff };
}

/** Processes whose environment holds `marker`. */
function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/environ`).includes(marker)) {
        const cmdline = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
        found.push(`${e.name} (${cmdline.replaceAll("\0", " ").trim()})`);
      }
    } catch { /* gone, or not ours to read */ }
  }
  return found;
}

/**
 * What a finished run left behind: live processes it started, files in its
 * TMPDIR, shared memory segments named after its process id. A process
 * that is on its way out (a resource tracker finishing its cleanup) gets
 * up to two seconds.
 */
async function leftBehind(
  marker: string,
  pid: number,
  tmp: string,
  python: boolean,
): Promise<string[]> {
  let procs = processesWith(marker);
  for (let i = 0; i < 20 && procs.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    procs = processesWith(marker);
  }
  const script = python ? /\.py$/ : /^$/;
  const files = [...Deno.readDirSync(tmp)].map((e) => e.name)
    .filter((n) => !script.test(n));
  const shm = [...Deno.readDirSync("/dev/shm")].map((e) => e.name)
    .filter((n) => n.startsWith(`pyconc-${pid}-`));
  return [
    ...procs.map((p) => `process ${p}`),
    ...files.map((f) => `file $TMPDIR/${f}`),
    ...shm.map((n) => `shared memory /dev/shm/${n}`),
  ];
}

/** Runs examples `concurrency` at a time; `onDone` sees each outcome as it comes. */
export async function runAll(
  examples: Example[],
  options: { python?: boolean; concurrency?: number } = {},
  onDone: (o: Outcome) => void = () => {},
): Promise<Outcome[]> {
  const { python = false, concurrency = 2 } = options;
  const outcomes: Outcome[] = new Array(examples.length);
  let next = 0;
  const lane = async () => {
    while (next < examples.length) {
      const i = next++;
      outcomes[i] = await runExample(examples[i]!, { python });
      onDone(outcomes[i]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return outcomes;
}
