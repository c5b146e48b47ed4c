/* threading.Barrier: runners start together once all have arrived.

Python in a Nutshell (4th ed.), chapter 15, "Barrier Objects". The book's
runners sleep 1 to 3 seconds; here they sleep 10 to 30 milliseconds.

```python
import datetime, random, threading, time

def runner():
    print('starting')
    time.sleep(random.randint(1, 3) / 100)
    print('waiting')
    if barrier is not None:
        try:
            my_number = barrier.wait()
        except threading.BrokenBarrierError:
            print('Barrier abort() or reset() called, thread exiting...')
            return
        print(f'running ({my_number}) at {datetime.datetime.now()}')
    else:
        print(f'running at {datetime.datetime.now()}')

def announce_release():
    print('releasing')

num_threads = 10
barrier = threading.Barrier(num_threads, action=announce_release)
# uncomment to see the behavior of threads without Barrier synchronization
# barrier = None
threads = [threading.Thread(target=runner) for _ in range(num_threads)]
for t in threads:
    t.start()
for t in threads:
    t.join()
```

Everyone starts and arrives, in any order; then the barrier's action runs,
once; then all run, each with its own number from 0 to 9:

```output any order
starting
starting
starting
starting
starting
starting
starting
starting
starting
starting
waiting
waiting
waiting
waiting
waiting
waiting
waiting
waiting
waiting
waiting
```

```output
releasing
```

```output any order
running (0) at «datetime»
running (1) at «datetime»
running (2) at «datetime»
running (3) at «datetime»
running (4) at «datetime»
running (5) at «datetime»
running (6) at «datetime»
running (7) at «datetime»
running (8) at «datetime»
running (9) at «datetime»
```
*/

import { Barrier, Thread } from "../threading/mod.ts";

// The barrier is a global in Python; a target sent by source gets it as an
// argument (it travels by reference). The error class comes by import (a
// target may `await import(...)` what it needs).
const runner = async (barrier: Barrier | null) => {
  const { BrokenBarrierError } = await import("@pyconc/std/threading");
  // Python's str(datetime.datetime.now()): local time, to the microsecond.
  const now = () => {
    const local = Date.now() - new Date().getTimezoneOffset() * 60_000;
    return new Date(local).toISOString().replace("T", " ").slice(0, 23) + "000";
  };
  console.log("starting");
  const ms = (1 + Math.floor(Math.random() * 3)) * 10;
  await new Promise((resolve) => setTimeout(resolve, ms));
  console.log("waiting");
  if (barrier !== null) {
    let myNumber: number;
    try {
      myNumber = await barrier.wait();
    } catch (e) {
      if (!(e instanceof BrokenBarrierError)) throw e;
      console.log("Barrier abort() or reset() called, thread exiting...");
      return;
    }
    console.log(`running (${myNumber}) at ${now()}`);
  } else {
    console.log(`running at ${now()}`);
  }
};

const announceRelease = () => {
  console.log("releasing");
};

const numThreads = 10;
// deno-lint-ignore prefer-const -- reassigned when the line "barrier = null" is uncommented
let barrier: Barrier | null = new Barrier(numThreads, announceRelease);
// uncomment to see the behavior of threads without Barrier synchronization
// barrier = null;

const threads = Array.from(
  { length: numThreads },
  () => new Thread({ target: runner, args: [barrier] }),
);
for (const t of threads) t.start();
for (const t of threads) await t.join();
