/* The Serializer pattern: one thread runs every call to code that is not thread-safe.

Python in a Nutshell (4th ed.), chapter 15, "Threaded Program Architecture":
callers hand a callable and its arguments to the serializer thread through a
queue of work requests, and wait for its result. The callable here keeps a
log in a global that only the serializer's thread ever touches. The 4th
edition's listing hands results back through a dict that callers poll
every 50 ms; threads on Workers share no dict, so this port hands them back
on a queue of results, as the book's ExternalInterfacing does (right for
one caller at a time: here, the main thread).

```python
import threading, queue

class Serializer(threading.Thread):
    def __init__(self, **kwds):
        super().__init__(**kwds)
        self.daemon = True
        self.work_request_queue = queue.Queue()
        self.result_queue = queue.Queue()
        self.start()

    def apply(self, callable, *args, **kwds):
        """called by other threads as callable would be"""
        self.work_request_queue.put((callable, args, kwds))
        return self.result_queue.get()

    def run(self):
        while True:
            callable, args, kwds = self.work_request_queue.get()
            self.result_queue.put(callable(*args, **kwds))

log = []

def record(entry):
    log.append(entry)
    return f'{threading.current_thread().name} logged {entry!r} as entry {len(log)}'

if __name__ == '__main__':
    serializer = Serializer(name='serializer')
    for entry in ['alpha', 'beta', 'gamma']:
        print(serializer.apply(record, entry))
```

```output
serializer logged 'alpha' as entry 1
serializer logged 'beta' as entry 2
serializer logged 'gamma' as entry 3
```
*/

import { currentThread, Thread, type ThreadOptions } from "../threading/mod.ts";
import { Queue } from "../queue/mod.ts";

type Work = [callable: string, args: unknown[]];

/**
 * The serializer thread. Exported, so that its thread can find the class;
 * its queues travel with it. A function cannot be put on a queue, so work
 * names its callable by module reference (`URL#export`); JavaScript has no
 * keyword arguments, so it carries positional ones only.
 */
export class Serializer extends Thread {
  workRequestQueue: Queue<Work> = new Queue();
  resultQueue: Queue<unknown> = new Queue();

  constructor(options: ThreadOptions = {}) {
    super(options);
    this.daemon = true;
    this.start();
  }

  /** Called by other threads as callable would be. */
  async apply(callable: string, ...args: unknown[]): Promise<unknown> {
    await this.workRequestQueue.put([callable, args]);
    return await this.resultQueue.get();
  }

  override async run(): Promise<void> {
    while (true) {
      const [callable, args] = await this.workRequestQueue.get();
      await this.resultQueue.put(await call(callable, args));
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

// Module state: each thread that loads this module has its own copy, and
// only the serializer's thread calls record.
const log: string[] = [];

export function record(entry: string): string {
  log.push(entry);
  return `${currentThread().name} logged '${entry}' as entry ${log.length}`;
}

if (import.meta.main) {
  const serializer = new Serializer({ name: "serializer" });
  const recordRef = new URL("#record", import.meta.url).href;
  for (const entry of ["alpha", "beta", "gamma"]) {
    console.log(await serializer.apply(recordRef, entry));
  }
}
