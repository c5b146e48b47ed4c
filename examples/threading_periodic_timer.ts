/* threading.Timer: the book's Periodic class, a timer that fires again and again.

Python in a Nutshell (4th ed.), chapter 15, "Timer Objects". Each time a
Periodic fires, it first starts the next one, then calls the callback; when
the callback raises, it cancels the next one, and the chain stops. The
book's countdown ticks every second; this one, every 20 milliseconds.

```python
import threading

class Periodic(threading.Timer):
    def __init__(self, interval, callback, args=None, kwargs=None):
        super().__init__(interval, self._f, args, kwargs)
        self.callback = callback

    def _f(self, *args, **kwargs):
        p = type(self)(self.interval, self.callback, args, kwargs)
        p.start()
        try:
            self.callback(*args, **kwargs)
        except Exception:
            p.cancel()

def countdown():
    global times
    times -= 1
    if times < 0:
        raise Exception('all done!')
    print('...', times, sep='', end='')

times = 11
Periodic(0.02, countdown).start()
```

```output
...10...9...8...7...6...5...4...3...2...1...0
```
*/

import { Timer } from "../threading/mod.ts";

/**
 * A timer that fires every `interval` seconds. Exported, so that its thread
 * can find the class; its fields travel with it.
 *
 * Python passes the bound method `self._f` as the Timer's function; a bound
 * method cannot travel to another thread, so `run()` (Timer's wait, then
 * the call) calls `_f` itself. The callback is a module reference
 * (`URL#export`): a thread can hand it on to the next timer.
 */
export class Periodic extends Timer {
  callback: string;

  constructor(
    interval: number,
    callback: string,
    args: unknown[] | null = null,
    kwargs: Record<string, unknown> | null = null,
  ) {
    super(interval, callback, args, kwargs);
    this.callback = callback;
  }

  override async run(): Promise<void> {
    await this.finished.wait(this.interval);
    if (!this.finished.isSet()) await this._f(this.args, this.kwargs);
    this.finished.set();
  }

  async _f(args: unknown[], kwargs: Record<string, unknown>): Promise<void> {
    const Cls = this.constructor as typeof Periodic;
    const p = new Cls(this.interval, this.callback, args, kwargs);
    p.start();
    try {
      await call(this.callback, args);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      p.cancel();
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

// Each tick runs in another thread, so Python's global is shared memory
// here, handed from timer to timer as the callback's argument.
export function countdown(times: Int32Array): void {
  times[0]! -= 1;
  if (times[0]! < 0) throw new Error("all done!");
  Deno.stdout.writeSync(new TextEncoder().encode(`...${times[0]}`));
}

if (import.meta.main) {
  const times = new Int32Array(new SharedArrayBuffer(4));
  times[0] = 11;
  const countdownRef = new URL("#countdown", import.meta.url).href;
  new Periodic(0.02, countdownRef, [times]).start();
}
