/* threading.Barrier: runners start together once all have arrived.

Python in a Nutshell (4th ed.), chapter 15, "Barrier Objects". The book's
runners sleep 1 to 3 seconds; here they sleep 10 to 30 milliseconds.

```python
import datetime, random, threading, time

def runner():
    print('starting')
    time.sleep(random.randint(1, 3) / 100)
    print('waiting')
    try:
        my_number = barrier.wait()
    except threading.BrokenBarrierError:
        print('Barrier abort() or timeout! Exiting thread.')
    else:
        print(f'running ({my_number}) at {datetime.datetime.now():%X}')

def announce_release():
    print('releasing')

num_threads = 10
barrier = threading.Barrier(num_threads, action=announce_release)
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
running (0) at «time»
running (1) at «time»
running (2) at «time»
running (3) at «time»
running (4) at «time»
running (5) at «time»
running (6) at «time»
running (7) at «time»
running (8) at «time»
running (9) at «time»
```
*/

import { Barrier, BrokenBarrierError, Thread } from "../threading/mod.ts";

// The barrier is a global in Python; a target sent by source gets it as an
// argument (it travels by reference). The error class comes by import, as
// a target may `await import(...)`.
const runner = async (barrier: Barrier) => {
  const { BrokenBarrierError } = await import("@pyconc/std/threading");
  console.log("starting");
  const ms = (1 + Math.floor(Math.random() * 3)) * 10;
  await new Promise((resolve) => setTimeout(resolve, ms));
  console.log("waiting");
  let myNumber: number;
  try {
    myNumber = await barrier.wait();
  } catch (e) {
    if (!(e instanceof BrokenBarrierError)) throw e;
    console.log("Barrier abort() or timeout! Exiting thread.");
    return;
  }
  console.log(
    `running (${myNumber}) at ${new Date().toTimeString().slice(0, 8)}`,
  );
};

const announceRelease = () => {
  console.log("releasing");
};

const numThreads = 10;
const barrier = new Barrier(numThreads, announceRelease);
const threads = Array.from(
  { length: numThreads },
  () => new Thread({ target: runner, args: [barrier] }),
);
for (const t of threads) t.start();
for (const t of threads) await t.join();

void BrokenBarrierError; // (imported for the reader: the class runner catches)
