/**
 * The resource tracker process (see tracker.ts): reads registrations on
 * stdin until every process of the program has closed the pipe, then
 * unlinks what is left.
 *
 * @module
 */

const registered = new Map<string, string>(); // name → kind

// Ignore the signals a terminal or a process group sends (CPython's tracker
// does too): the tracker must outlive the program's processes.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  try {
    Deno.addSignalListener(sig, () => {});
  } catch { /* not supported here */ }
}

/**
 * One line: `R|U kind name`, the name percent-encoded (tracker.ts). A line
 * that does not decode to one segment name (no "/" past the leading ones,
 * not "." or "..") is ignored: nothing outside /dev/shm is ever removed.
 */
function handle(line: string): void {
  const [cmd, kind, encoded, ...rest] = line.split(" ");
  if (!encoded || !kind || rest.length > 0) return;
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    return;
  }
  const base = name.replace(/^\/+/, "");
  if (base === "" || base === "." || base === ".." || base.includes("/")) {
    return;
  }
  if (cmd === "R") registered.set(name, kind);
  else if (cmd === "U") registered.delete(name);
}

const decoder = new TextDecoder();
let pending = "";
const buf = new Uint8Array(65536);
for (;;) {
  let n: number | null;
  try {
    n = await Deno.stdin.read(buf);
  } catch {
    n = null;
  }
  if (n === null) break;
  pending += decoder.decode(buf.subarray(0, n), { stream: true });
  let nl: number;
  while ((nl = pending.indexOf("\n")) >= 0) {
    handle(pending.slice(0, nl));
    pending = pending.slice(nl + 1);
  }
  // Read in batches: a writer whose message finds the tracker blocked in
  // read() pays for waking it (a context switch, ≈ 3 µs on every create
  // and unlink of a segment); between batches the pipe's buffer (enlarged
  // to 1 MiB by the main process) holds the messages.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

let leaked = 0;
for (const [name, kind] of registered) {
  if (kind === "shm") leaked++;
  try {
    Deno.removeSync(`/dev/shm/${name.replace(/^\/+/, "")}`);
  } catch { /* already gone */ }
}
if (leaked > 0) {
  console.error(
    `resource_tracker: There appear to be ${leaked} leaked shared_memory objects to clean up at shutdown`,
  );
}
Deno.exit(0);
