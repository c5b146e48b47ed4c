/* A thread pool: Worker threads serve a queue of requests (the book's design).

Python in a Nutshell (4th ed.), chapter 15, "Threaded Program Architecture":
the main thread puts work requests, tagged with an ID, on a shared queue of
requests; worker threads take them, run them, and put each result, with its
request's ID, on a shared queue of results.

```python
import threading, queue

class Worker(threading.Thread):
    IDlock = threading.Lock()
    request_ID = 0

    def __init__(self, requests_queue, results_queue, **kwds):
        threading.Thread.__init__(self, **kwds)
        self.daemon = True
        self.request_queue = requests_queue
        self.results_queue = results_queue
        self.start()

    def perform_work(self, callable, *args, **kwds):
        """called by main thread as callable would be, but w/o return"""
        with self.IDlock:
            Worker.request_ID += 1
            self.request_queue.put(
                (Worker.request_ID, callable, args, kwds))
            return Worker.request_ID

    def run(self):
        while True:
            request_ID, callable, a, k = self.request_queue.get()
            self.results_queue.put((request_ID, callable(*a, **k)))

def square(n):
    return n * n

if __name__ == '__main__':
    requests_queue = queue.Queue()
    results_queue = queue.Queue()
    number_of_workers = 3
    for i in range(number_of_workers):
        worker = Worker(requests_queue, results_queue)
    ids = [worker.perform_work(square, n) for n in range(1, 6)]
    results = dict(results_queue.get() for _ in ids)
    for id in ids:
        print('request', id, 'result', results[id])
```

```output
request 1 result 1
request 2 result 4
request 3 result 9
request 4 result 16
request 5 result 25
```
*/

import { Lock, Thread, type ThreadOptions } from "../threading/mod.ts";
import { Queue } from "../queue/mod.ts";

type Request = [id: number, callable: string, args: unknown[]];

/**
 * A worker thread. Exported, so that its thread can find the class and call
 * its `run()`; its fields (the two queues) travel with it. A function
 * cannot be put on a queue, so a request names its callable by module
 * reference (`URL#export`). JavaScript has no keyword arguments: a request
 * carries positional ones only.
 */
export class Worker extends Thread {
  static IDlock = new Lock();
  static requestID = 0;
  requestQueue: Queue<Request>;
  resultsQueue: Queue<[number, unknown]>;

  constructor(
    requestsQueue: Queue<Request>,
    resultsQueue: Queue<[number, unknown]>,
    options: ThreadOptions = {},
  ) {
    super(options);
    this.daemon = true;
    this.requestQueue = requestsQueue;
    this.resultsQueue = resultsQueue;
    this.start();
  }

  /** Called by the main thread as callable would be, but without return. */
  performWork(callable: string, ...args: unknown[]): number {
    using _ = Worker.IDlock.holdSync();
    Worker.requestID += 1;
    this.requestQueue.putSync([Worker.requestID, callable, args]);
    return Worker.requestID;
  }

  override async run(): Promise<void> {
    while (true) {
      const [requestID, callable, a] = await this.requestQueue.get();
      await this.resultsQueue.put([requestID, await call(callable, a)]);
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

export function square(n: number): number {
  return n * n;
}

if (import.meta.main) {
  const requestsQueue = new Queue<Request>();
  const resultsQueue = new Queue<[number, unknown]>();
  const numberOfWorkers = 3;
  let worker!: Worker;
  for (let i = 0; i < numberOfWorkers; i++) {
    worker = new Worker(requestsQueue, resultsQueue);
  }
  const squareRef = new URL("#square", import.meta.url).href;
  const ids = [1, 2, 3, 4, 5].map((n) => worker.performWork(squareRef, n));
  const results = new Map<number, unknown>();
  for (const _ of ids) results.set(...await resultsQueue.get());
  for (const id of ids) console.log("request", id, "result", results.get(id));
}
