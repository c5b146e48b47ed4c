/* Example 15-1, submit and as_completed: make_dict takes each result as it comes.

Python in a Nutshell (4th ed.), chapter 15, "The concurrent.futures
Module". `f` stands for a slow computation (the book sleeps up to 2
seconds; here, up to 0.1); `as_completed` yields each future when it
finishes, so the dict fills in finishing order.

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
        futures = [e.submit(runner, s) for s in strings]
        d = dict(f.result() for f in cf.as_completed(futures))
    return d

if __name__ == '__main__':
    d = make_dict(['a', 'bc', 'def'])
    print(dict(sorted(d.items())))
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
  const d = await makeDict(["a", "bc", "def"]);
  print(Object.fromEntries(Object.entries(d).sort()));
}
