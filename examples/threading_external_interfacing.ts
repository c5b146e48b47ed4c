/* The ExternalInterfacing pattern: one thread owns an external resource.

Python in a Nutshell (4th ed.), chapter 15, "Threaded Program Architecture":
only the interfacing thread ever calls the external resource; other threads
call `request`, which puts their arguments on a queue of requests and waits
for the answer on a queue of results.

```python
import threading, queue

class ExternalInterfacing(threading.Thread):
    def __init__(self, external_callable, **kwds):
        super().__init__(**kwds)
        self.daemon = True
        self.external_callable = external_callable
        self.request_queue = queue.Queue()
        self.result_queue = queue.Queue()
        self.start()

    def request(self, *args, **kwds):
        """called by other threads as external_callable would be"""
        self.request_queue.put((args, kwds))
        return self.result_queue.get()

    def run(self):
        while True:
            a, k = self.request_queue.get()
            self.result_queue.put(self.external_callable(*a, **k))

def device(command):
    """stands for an external resource that only one thread may use"""
    return f'{command.upper()} done by {threading.current_thread().name}'

if __name__ == '__main__':
    interface = ExternalInterfacing(device, name='device-owner')
    for command in ['open', 'read', 'close']:
        print(interface.request(command))
```

```output
OPEN done by device-owner
READ done by device-owner
CLOSE done by device-owner
```
*/

import { currentThread, Thread, type ThreadOptions } from "../threading/mod.ts";
import { Queue } from "../queue/mod.ts";

/**
 * The interfacing thread. Exported, so that its thread can find the class;
 * its fields travel with it, so the external callable is a module reference
 * (`URL#export`), which can travel where a function cannot. JavaScript has
 * no keyword arguments: requests carry positional ones only.
 */
export class ExternalInterfacing extends Thread {
  externalCallable: string;
  requestQueue: Queue<unknown[]> = new Queue();
  resultQueue: Queue<unknown> = new Queue();

  constructor(externalCallable: string, options: ThreadOptions = {}) {
    super(options);
    this.daemon = true;
    this.externalCallable = externalCallable;
    this.start();
  }

  /** Called by other threads as externalCallable would be. */
  async request(...args: unknown[]): Promise<unknown> {
    await this.requestQueue.put(args);
    return await this.resultQueue.get();
  }

  override async run(): Promise<void> {
    const url = new URL(this.externalCallable);
    const name = url.hash.slice(1);
    url.hash = "";
    const externalCallable = (await import(url.href))[name];
    while (true) {
      const a = await this.requestQueue.get();
      await this.resultQueue.put(await externalCallable(...a));
    }
  }
}

/** Stands for an external resource that only one thread may use. */
export function device(command: string): string {
  return `${command.toUpperCase()} done by ${currentThread().name}`;
}

if (import.meta.main) {
  const deviceRef = new URL("#device", import.meta.url).href;
  const iface = new ExternalInterfacing(deviceRef, { name: "device-owner" });
  for (const command of ["open", "read", "close"]) {
    console.log(await iface.request(command));
  }
}
