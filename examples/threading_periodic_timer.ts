/* threading.Timer: the book's Periodic class, a timer that fires again and again.

Python in a Nutshell (4th ed.), chapter 15, "Timer Objects". Each time a
Periodic fires, it first starts the next one, then calls the function; when
the function raises, it cancels the next one and the chain stops. The
function stops it here after five ticks (its exception goes to the thread's
excepthook, which prints it to stderr).

```python
import threading

class Periodic(threading.Timer):
    def __init__(self, interval, callable, args=(), kwargs={}):
        self.callable = callable
        threading.Timer.__init__(self, interval, self._f, args, kwargs)

    def _f(self, *args, **kwargs):
        p = type(self)(self.interval, self.callable, args, kwargs)
        p.start()
        try:
            self.callable(*args, **kwargs)
        except:
            p.cancel()
            raise

class Done(Exception):
    pass

def tick(count):
    count[0] += 1
    print('tick', count[0])
    if count[0] == 5:
        raise Done('five ticks: the chain stops')

if __name__ == '__main__':
    Periodic(0.02, tick, ([0],)).start()
```

```output
tick 1
tick 2
tick 3
tick 4
tick 5
```
*/

import { Timer } from "../threading/mod.ts";

/**
 * A timer that fires every `interval` seconds. Python passes the bound
 * method `self._f` as the Timer's function; a bound method cannot travel to
 * another thread, so `run()` (Timer's wait, then the call) calls `_f`
 * itself. The callable is a module reference (`URL#export`), which a
 * thread can pass on to the next one.
 */
export class Periodic extends Timer {
  callable: string;

  constructor(
    interval: number,
    callable: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> | null = null,
  ) {
    super(interval, callable, args, kwargs);
    this.callable = callable;
  }

  override async run(): Promise<void> {
    await this.finished.wait(this.interval);
    if (!this.finished.isSet()) await this._f(this.args, this.kwargs);
    this.finished.set();
  }

  async _f(args: unknown[], kwargs: Record<string, unknown>): Promise<void> {
    const Cls = this.constructor as typeof Periodic;
    const p = new Cls(this.interval, this.callable, args, kwargs);
    p.start();
    try {
      await call(this.callable, args);
    } catch (e) {
      p.cancel();
      throw e;
    }
  }
}

/** Calls the function a module reference names. */
async function call(ref: string, args: unknown[]): Promise<unknown> {
  const url = new URL(ref);
  const name = url.hash.slice(1);
  url.hash = "";
  const fn = (await import(url.href))[name];
  return await fn(...args);
}

export class Done extends Error {
  override name = "Done";
}

// The count is shared memory: each tick runs in another thread.
export function tick(count: Int32Array): void {
  count[0]! += 1;
  console.log("tick", count[0]);
  if (count[0] === 5) throw new Done("five ticks: the chain stops");
}

if (import.meta.main) {
  const count = new Int32Array(new SharedArrayBuffer(4));
  new Periodic(0.02, new URL("#tick", import.meta.url).href, [count]).start();
}
