/* Example 15-1, submit and as_completed: make_dict takes each result as it comes.

Python in a Nutshell (4th ed.), chapter 15, "The concurrent.futures
Module". `f` stands for a slow computation (the book sleeps up to 2
seconds; here, up to 0.1); `as_completed` yields each future as it
finishes, so the dict fills in finishing order.

```python
import concurrent.futures as cf
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
    with cf.ProcessPoolExecutor() as e:
        futures = [e.submit(runner, s) for s in strings]
        d = dict(f.result()
                 for f in cf.as_completed(futures))
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

import * as cf from "../concurrent_futures/mod.ts";
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

// The pool's processes get runner by module reference, and import this
// module (hence `import.meta.main` below, Python's `__name__ == '__main__'`).
async function makeDict(strings: string[]): Promise<Record<string, string>> {
  const d: Record<string, string> = {};
  {
    await using e = new cf.ProcessPoolExecutor();
    const runnerRef = new URL("#runner", import.meta.url);
    const futures = strings.map((s) =>
      e.submit<[string], [string, string]>(runnerRef, s)
    );
    for await (const f of cf.asCompleted(futures)) {
      // f is the Future (TypeScript types a `for await` variable as the
      // awaited value); `await f` is Python's f.result().
      const [k, v] = await f;
      d[k] = v;
    }
  }
  return d;
}

if (import.meta.main) {
  const dd = await makeDict(["A", "B", "C", "D", "E"]);
  print(Object.fromEntries(Object.entries(dd).sort())); // as sorted() does
}
