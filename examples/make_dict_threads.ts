/* Example 15-1, threads and a queue: make_dict runs f on each string in its own thread.

Python in a Nutshell (4th ed.), chapter 15. `f` stands for a slow
computation (the book sleeps up to 2 seconds; here, up to 0.1); each thread
puts its `(string, result)` pair on a queue, and `make_dict` builds the
dict once every thread has finished.

```python
import queue, random, threading, time

def f(s):
    """Run a long time, and eventually return a result."""
    time.sleep(random.random() / 10)  # simulate slowness
    return s + s  # some computation or other

def runner(s, q):
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
    d = make_dict(['a', 'bc', 'def'])
    print(dict(sorted(d.items())))
```

```output
{'a': 'aa', 'bc': 'bcbc', 'def': 'defdef'}
```
*/

import { Thread } from "../threading/mod.ts";
import { Queue } from "../queue/mod.ts";
import { print } from "./_py.ts";

/** Run a long time, and eventually return a result. */
export async function f(s: string): Promise<string> {
  const ms = Math.random() * 100; // simulate slowness
  await new Promise((resolve) => setTimeout(resolve, ms));
  return s + s; // some computation or other
}

export async function runner(s: string, q: Queue<[string, string]>) {
  await q.put([s, await f(s)]);
}

// runner calls f, so it is no self-contained function: the threads get it
// by module reference, as Python's threads find it in __main__.
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
  const d = await makeDict(["a", "bc", "def"]);
  print(Object.fromEntries(Object.entries(d).sort()));
}
