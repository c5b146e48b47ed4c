// @ts-nocheck: awaiting multiprocessing.Manager (branch managers); remove this line once it is merged
/* Example 15-1, Manager().dict(): one process per string fills a shared dict.

Python in a Nutshell (4th ed.), chapter 15, "The Manager Class". `f`
stands for a slow computation (the book sleeps up to 2 seconds; here, up to
0.1); each process stores its result in a dict that lives in the manager's
server process.

```python
import multiprocessing as mp, random, time

def f(s):
    """Run a long time, and eventually return a result."""
    time.sleep(random.random() / 10)  # simulate slowness
    return s + s  # some computation or other

def runner(s, d):
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
    d = make_dict(['a', 'bc', 'def'])
    print(dict(sorted(d.items())))
```

```output
{'a': 'aa', 'bc': 'bcbc', 'def': 'defdef'}
```
*/

import * as mp from "../multiprocessing/mod.ts";
import { print } from "./_py.ts";

/** Run a long time, and eventually return a result. */
export async function f(s: string): Promise<string> {
  const ms = Math.random() * 100; // simulate slowness
  await new Promise((resolve) => setTimeout(resolve, ms));
  return s + s; // some computation or other
}

/** What runner uses of the dict proxy: `d[s] = v` is `d.setItem(s, v)`. */
interface Dict {
  setItem(key: string, value: string): Promise<void>;
}

export async function runner(s: string, d: Dict): Promise<void> {
  await d.setItem(s, await f(s));
}

async function makeDict(strings: string[]): Promise<Record<string, string>> {
  // Python leaves the manager to be shut down when it is collected; here
  // `await using` shuts it down when makeDict returns.
  await using mgr = await mp.Manager();
  const d = await mgr.dict();
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
  const d = await makeDict(["a", "bc", "def"]);
  print(Object.fromEntries(Object.entries(d).sort()));
}
