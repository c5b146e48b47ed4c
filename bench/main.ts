/**
 * `deno task bench [group…]`: every benchmark group, pyconc beside CPython.
 *
 * @module
 */

import {
  type BenchCase,
  type BenchRow,
  meetsGoal,
  runGroup,
  TABLE_HEADER,
} from "./_harness.ts";

const groups: Record<string, () => Promise<{ cases: BenchCase[] }>> = {
  threading: () => import("./threading.ts"),
  mmap: () => import("./mmap.ts"),
  queue: () => import("./queue.ts"),
  subprocess: () => import("./subprocess.ts"),
  multiprocessing: () => import("./multiprocessing.ts"),
  concurrent_futures: () => import("./concurrent_futures.ts"),
  process_pool: () => import("./process_pool.ts"),
};

const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(groups);
console.log(TABLE_HEADER);
const rows: BenchRow[] = [];
for (const name of wanted) {
  const load = groups[name];
  if (load === undefined) {
    console.error(
      `unknown benchmark group "${name}"; known: ${
        Object.keys(groups).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  rows.push(...await runGroup(name, (await load()).cases));
}
const missed = rows.filter((r) => !meetsGoal(r));
console.log(`\n${rows.length} benchmarks, ${missed.length} below their goal`);
