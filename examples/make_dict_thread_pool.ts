/* Example 15-1, ThreadPool(3): a pool of three threads runs f on the strings.

Python in a Nutshell (4th ed.), chapter 15, "Process Pools": the same
make_dict on `multiprocessing.pool.ThreadPool`, whose workers are threads
(one process id for all). `f` stands for a slow computation (the book
sleeps up to 2 seconds; here, up to 0.1).

```python
from multiprocessing.pool import ThreadPool
import os

def f(s):
    """Run a long time, and eventually return a result."""
    import time, random
    time.sleep(random.random() / 10)  # simulate slowness
    return s+s  # some computation or other

def runner(s):
    print(os.getpid(), s)
    return s, f(s)

def make_dict(strings):
    d = {}
    with ThreadPool(3) as pool:
        for key, value in pool.imap_unordered(runner, strings):
            d[key] = value
    return d

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

import { ThreadPool } from "../multiprocessing/mod.ts";
import { getpid } from "../os_process/mod.ts";
import { print } from "./_py.ts";

/** Run a long time, and eventually return a result. */
export async function f(s: string): Promise<string> {
  const ms = Math.random() * 100; // simulate slowness
  await new Promise((resolve) => setTimeout(resolve, ms));
  return s + s; // some computation or other
}

export async function runner(s: string): Promise<[string, string]> {
  print(getpid(), s);
  return [s, await f(s)];
}

// The pool's threads get runner by module reference, and import this
// module (hence `import.meta.main` below, Python's `__name__ == '__main__'`).
async function makeDict(strings: string[]): Promise<Record<string, string>> {
  const d: Record<string, string> = {};
  {
    await using pool = new ThreadPool(3);
    const runnerRef = new URL("#runner", import.meta.url);
    for await (
      const [key, value] of pool.imapUnordered<string, [string, string]>(
        runnerRef,
        strings,
      )
    ) {
      d[key] = value;
    }
  }
  return d;
}

if (import.meta.main) {
  const dd = await makeDict(["A", "B", "C", "D", "E"]);
  print(Object.fromEntries(Object.entries(dd).sort())); // as sorted() does
}
