/* Example 15-1, ProcessPoolExecutor().map: make_dict with concurrent.futures.

Python in a Nutshell (4th ed.), chapter 15, "The concurrent.futures
Module". `f` stands for a slow computation (the book sleeps up to 2
seconds; here, up to 0.1); `map` returns the pairs in the strings' order,
so the dict's order is the strings'.

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
        d = dict(e.map(runner, strings))
    return d

if __name__ == '__main__':
    dd = make_dict(['A', 'B', 'C', 'D', 'E'])
    print(dd)
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
  let d: Record<string, string>;
  {
    await using e = new cf.ProcessPoolExecutor();
    const pairs = e.map<[string], [string, string]>(
      new URL("#runner", import.meta.url),
      strings,
    );
    d = Object.fromEntries(await Array.fromAsync(pairs));
  }
  return d;
}

if (import.meta.main) {
  const dd = await makeDict(["A", "B", "C", "D", "E"]);
  print(dd);
}
