/* A thread pool: Worker threads serve a queue of requests (the book's design).

Python in a Nutshell (4th ed.), chapter 15, "Threaded Program Architecture":
the main thread puts work requests, each tagged with an ID, on a queue of
requests that all the workers share; a worker takes one, runs it, and puts
the result, with its request's ID, on the queue of results; the main thread
shows results as they come. The book makes random expressions and sleeps
for seconds; these expressions follow a fixed pattern, so that the output
can be checked, and the sleeps are hundredths of a second.

```python
import operator, queue, random, threading, time

class Worker(threading.Thread):
    IDlock = threading.Lock()
    request_ID = 0

    def __init__(self, requests_queue, results_queue, **kwds):
        super().__init__(**kwds)
        self.daemon = True
        self.request_queue = requests_queue
        self.result_queue = results_queue
        self.start()

    def perform_work(self, callable, *args, **kwds):
        """called by main thread as `callable` would be, but w/o return"""
        with self.IDlock:
            Worker.request_ID += 1
            self.request_queue.put(
                (Worker.request_ID, callable, args, kwds))
            return Worker.request_ID

    def run(self):
        while True:
            request_ID, callable, a, k = self.request_queue.get()
            self.result_queue.put((request_ID, callable(*a, **k)))

operations = {
    '+': operator.add,
    '-': operator.sub,
    '*': operator.mul,
    '/': operator.truediv,
    '%': operator.mod,
}

def slow_evaluate(expression_string):
    time.sleep(random.randrange(1, 5) / 100)
    op1, oper, op2 = expression_string.split()
    arith_function = operations[oper]
    return arith_function(int(op1), int(op2))

if __name__ == '__main__':
    requests_queue = queue.Queue()
    results_queue = queue.Queue()

    number_of_workers = 3
    workers = [Worker(requests_queue, results_queue)
               for i in range(number_of_workers)]
    work_requests = {}

    def pick_a_worker():
        return random.choice(workers)

    def make_work(i):
        o1, o2 = 2 + i % 8, 9 - i % 7
        op = list(operations)[i % len(operations)]
        return f'{o1} {op} {o2}'

    def show_results():
        while True:
            try:
                completed_id, results = results_queue.get_nowait()
            except queue.Empty:
                return
            work_expression = work_requests.pop(completed_id)
            print(f'Result {completed_id}: {work_expression} -> {results}')

    for i in range(10):
        expression_string = make_work(i)
        worker = pick_a_worker()
        request_id = worker.perform_work(slow_evaluate, expression_string)
        work_requests[request_id] = expression_string
        print(f'Submitted request {request_id}: {expression_string}')
        time.sleep(0.01)
        show_results()

    while work_requests:
        time.sleep(0.01)
        show_results()
```

Each request is submitted, then its result shows, and the requests overlap:

```output any order
Submitted request 1: 2 + 9
Submitted request 2: 3 - 8
Submitted request 3: 4 * 7
Submitted request 4: 5 / 6
Submitted request 5: 6 % 5
Submitted request 6: 7 + 4
Submitted request 7: 8 - 3
Submitted request 8: 9 * 9
Submitted request 9: 2 / 8
Submitted request 10: 3 % 7
Result 1: 2 + 9 -> 11
Result 2: 3 - 8 -> -5
Result 3: 4 * 7 -> 28
Result 4: 5 / 6 -> 0.8333333333333334
Result 5: 6 % 5 -> 1
Result 6: 7 + 4 -> 11
Result 7: 8 - 3 -> 5
Result 8: 9 * 9 -> 81
Result 9: 2 / 8 -> 0.25
Result 10: 3 % 7 -> 3
```
*/

import { Lock, Thread, type ThreadOptions } from "../threading/mod.ts";
import { Empty, Queue } from "../queue/mod.ts";

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
  resultQueue: Queue<[number, unknown]>;

  constructor(
    requestsQueue: Queue<Request>,
    resultsQueue: Queue<[number, unknown]>,
    options: ThreadOptions = {},
  ) {
    super(options);
    this.daemon = true;
    this.requestQueue = requestsQueue;
    this.resultQueue = resultsQueue;
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
      await this.resultQueue.put([requestID, await call(callable, a)]);
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

const operations: Record<string, (a: number, b: number) => number> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
  "%": (a, b) => a % b,
};

const sleep = (seconds: number) =>
  new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export async function slowEvaluate(expressionString: string): Promise<number> {
  await sleep((1 + Math.floor(Math.random() * 4)) / 100);
  const [op1, oper, op2] = expressionString.split(" ");
  const arithFunction = operations[oper!]!;
  return arithFunction(Number(op1), Number(op2));
}

if (import.meta.main) {
  const requestsQueue = new Queue<Request>();
  const resultsQueue = new Queue<[number, unknown]>();

  const numberOfWorkers = 3;
  const workers = Array.from(
    { length: numberOfWorkers },
    () => new Worker(requestsQueue, resultsQueue),
  );
  const workRequests = new Map<number, string>();

  const pickAWorker = () =>
    workers[Math.floor(Math.random() * workers.length)]!;

  const makeWork = (i: number) => {
    const [o1, o2] = [2 + i % 8, 9 - i % 7];
    const op = Object.keys(operations)[i % Object.keys(operations).length];
    return `${o1} ${op} ${o2}`;
  };

  const showResults = () => {
    while (true) {
      let completedId, results;
      try {
        [completedId, results] = resultsQueue.getNowait();
      } catch (e) {
        if (e instanceof Empty) return;
        throw e;
      }
      const workExpression = workRequests.get(completedId);
      workRequests.delete(completedId);
      console.log(`Result ${completedId}: ${workExpression} -> ${results}`);
    }
  };

  const slowEvaluateRef = new URL("#slowEvaluate", import.meta.url).href;
  for (let i = 0; i < 10; i++) {
    const expressionString = makeWork(i);
    const worker = pickAWorker();
    const requestId = worker.performWork(slowEvaluateRef, expressionString);
    workRequests.set(requestId, expressionString);
    console.log(`Submitted request ${requestId}: ${expressionString}`);
    await sleep(0.01);
    showResults();
  }

  while (workRequests.size > 0) {
    await sleep(0.01);
    showResults();
  }
}
