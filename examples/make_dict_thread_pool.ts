/* Example 15-1, ThreadPool(3): a pool of three threads runs f on the strings.

Python in a Nutshell (4th ed.), chapter 15, "Process Pools": the same
make_dict as with `Pool`, on `multiprocessing.pool.ThreadPool`. `f` stands
for a slow computation (the book sleeps up to 2 seconds; here, up to 0.1).

```python
import multiprocessing.pool, random, time

def f(s):
    """Run a long time, and eventually return a result."""
    time.sleep(random.random() / 10)  # simulate slowness
    return s + s  # some computation or other

def runner(s):
    return s, f(s)

def make_dict(strings):
    num_workers = 3
    with multiprocessing.pool.ThreadPool(num_workers) as pool:
        d = dict(pool.imap_unordered(runner, strings))
        return d

if __name__ == '__main__':
    d = make_dict(['a', 'bc', 'def', 'ghij'])
    print(dict(sorted(d.items())))
```

```output
{'a': 'aa', 'bc': 'bcbc', 'def': 'defdef', 'ghij': 'ghijghij'}
```
*/

import { ThreadPool } from "../multiprocessing/mod.ts";
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
  const numWorkers = 3;
  await using pool = new ThreadPool(numWorkers);
  const pairs = pool.imapUnordered<string, [string, string]>(
    new URL("#runner", import.meta.url),
    strings,
  );
  const d = Object.fromEntries(await Array.fromAsync(pairs));
  return d;
}

if (import.meta.main) {
  const d = await makeDict(["a", "bc", "def", "ghij"]);
  print(Object.fromEntries(Object.entries(d).sort()));
}
