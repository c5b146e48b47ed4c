/* Example 15-1, Manager().dict(): one process per string fills a shared dict.

Python in a Nutshell (4th ed.), chapter 15, "The Manager Class". `f`
stands for a slow computation (the book sleeps up to 2 seconds; here, up to
0.1); each process stores its result in a dict that lives in the manager's
server process.

```python
import multiprocessing as mp
import os

def f(s):
    """Run a long time, and eventually return a result."""
    import time, random
    time.sleep(random.random() / 10)  # simulate slowness
    return s+s  # some computation or other

def runner(s, d):
    print(os.getpid(), s)
    d[s] = f(s)

def make_dict(strings):
    mgr = mp.Manager()
    d = mgr.dict()
    workers = []
    for s in strings:
        p = mp.Process(target=runner, args=(s, d))
        p.start()
        workers.append(p)
    for p in workers:
        p.join()
    return {**d}

if __name__ == '__main__':
    dd = make_dict(['A', 'B', 'C', 'D', 'E'])
    print(dict(sorted(dd.items())))  # the book prints dd: its order varies
```

Each runner prints its process id and its string as it starts, in any
order; then the dict:

```output any order
«int» A
«int» B
«int» C
«int» D
«int» E
```

```output
{'A': 'AA', 'B': 'BB', 'C': 'CC', 'D': 'DD', 'E': 'EE'}
```
*/

import * as mp from "../multiprocessing/mod.ts";
import { getpid } from "../os_process/mod.ts";
import { print } from "./_py.ts";

/** Run a long time, and eventually return a result. */
export async function f(s: string): Promise<string> {
  const ms = Math.random() * 100; // simulate slowness
  await new Promise((resolve) => setTimeout(resolve, ms));
  return s + s; // some computation or other
}

// `d[s] = v` on a dict proxy is `d.setItem(s, v)`.
export async function runner(
  s: string,
  d: mp.DictProxy<string, string>,
): Promise<void> {
  print(getpid(), s);
  await d.setItem(s, await f(s));
}

// The children get runner by module reference, and import this module
// (hence `import.meta.main` below, Python's `__name__ == '__main__'`).
async function makeDict(strings: string[]): Promise<Record<string, string>> {
  // Python leaves the manager to shut down when it is collected; here
  // `await using` shuts it down when makeDict returns.
  await using mgr = await mp.Manager();
  const d = await mgr.dict<string, string>();
  const workers = [];
  for (const s of strings) {
    const p = new mp.Process({
      target: new URL("#runner", import.meta.url),
      args: [s, d],
    });
    p.start();
    workers.push(p);
  }
  for (const p of workers) await p.join();
  return Object.fromEntries(await d.items()); // {**d}
}

if (import.meta.main) {
  const dd = await makeDict(["A", "B", "C", "D", "E"]);
  print(Object.fromEntries(Object.entries(dd).sort())); // as sorted() does
}
