// @ts-nocheck: awaiting concurrent_futures.ProcessPoolExecutor (branch pools); remove this line once it is merged
/* Example 15-1, ProcessPoolExecutor().map: make_dict with concurrent.futures.

Python in a Nutshell (4th ed.), chapter 15, "The concurrent.futures
Module". `f` stands for a slow computation (the book sleeps up to 2
seconds; here, up to 0.1); `map` returns the pairs in the strings' order.

```python
import concurrent.futures as cf, random, time

def f(s):
    """Run a long time, and eventually return a result."""
    time.sleep(random.random() / 10)  # simulate slowness
    return s + s  # some computation or other

def runner(s):
    return s, f(s)

def make_dict(strings):
    with cf.ProcessPoolExecutor() as e:
        d = dict(e.map(runner, strings))
    return d

if __name__ == '__main__':
    d = make_dict(['a', 'bc', 'def'])
    print(d)
```

```output
{'a': 'aa', 'bc': 'bcbc', 'def': 'defdef'}
```
*/

import * as cf from "../concurrent_futures/mod.ts";
import { print } from "./_py.ts";

/** Run a long time, and eventually return a result. */
export async function f(s: string): Promise<string> {
  const ms = Math.random() * 100; // simulate slowness
  await new Promise((resolve) => setTimeout(resolve, ms));
  return s + s; // some computation or other
}

export async function runner(s: string): Promise<[string, string]> {
  return [s, await f(s)];
}

async function makeDict(strings: string[]): Promise<Record<string, string>> {
  let d: Record<string, string>;
  {
    await using e = new cf.ProcessPoolExecutor();
    const pairs = e.map(new URL("#runner", import.meta.url), strings);
    d = Object.fromEntries(await Array.fromAsync(pairs));
  }
  return d;
}

if (import.meta.main) {
  const d = await makeDict(["a", "bc", "def"]);
  print(d);
}
