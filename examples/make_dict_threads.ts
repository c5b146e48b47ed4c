/* Example 15-1, threads and a queue: make_dict runs f on each string in its own thread.

Python in a Nutshell (4th ed.), chapter 15: the chapter's make_dict,
here on plain threads. `f` stands for a slow computation (the book sleeps up
to 2 seconds; here, up to 0.1); each thread puts its `(string, result)` pair
on a queue, and make_dict builds the dict once every thread has finished.

```python
import os, queue, threading

def f(s):
    """Run a long time, and eventually return a result."""
    import time, random
    time.sleep(random.random() / 10)  # simulate slowness
    return s+s  # some computation or other

def runner(s, q):
    print(os.getpid(), s)
    q.put((s, f(s)))

def make_dict(strings):
    q = queue.Queue()
    threads = [threading.Thread(target=runner, args=(s, q)) for s in strings]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return dict(q.get() for _ in strings)

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

import { Thread } from "../threading/mod.ts";
import { Queue } from "../queue/mod.ts";
import { getpid } from "../os_process/mod.ts";
import { print } from "./_py.ts";

/** Run a long time, and eventually return a result. */
export async function f(s: string): Promise<string> {
  const ms = Math.random() * 100; // simulate slowness
  await new Promise((resolve) => setTimeout(resolve, ms));
  return s + s; // some computation or other
}

export async function runner(s: string, q: Queue<[string, string]>) {
  print(getpid(), s);
  await q.put([s, await f(s)]);
}

// runner calls f, so it is no self-contained function: the threads get it
// by module reference, and import this module (hence `import.meta.main`
// below, Python's `__name__ == '__main__'`).
async function makeDict(strings: string[]): Promise<Record<string, string>> {
  const q = new Queue<[string, string]>();
  const threads = strings.map((s) =>
    new Thread({ target: new URL("#runner", import.meta.url), args: [s, q] })
  );
  for (const t of threads) t.start();
  for (const t of threads) await t.join();
  return Object.fromEntries(strings.map(() => q.getSync()));
}

if (import.meta.main) {
  const dd = await makeDict(["A", "B", "C", "D", "E"]);
  print(Object.fromEntries(Object.entries(dd).sort())); // as sorted() does
}
