/* threading.Event: runners wait until the main thread sets the event.

Python in a Nutshell (4th ed.), chapter 15, "Event Objects". The book's
runners sleep 1 to 3 seconds; here they sleep 10 to 30 milliseconds.

```python
import datetime, random, threading, time

def runner():
    print('starting')
    time.sleep(random.randint(1, 3) / 100)
    print('waiting')
    event.wait()
    print(f'running at {datetime.datetime.now():%X}')

num_threads = 10
event = threading.Event()

threads = [threading.Thread(target=runner) for _ in range(num_threads)]
for t in threads:
    t.start()

event.set()

for t in threads:
    t.join()
```

Each runner prints its three lines in order; the runners interleave as they
please:

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
running at «time»
running at «time»
running at «time»
running at «time»
running at «time»
running at «time»
running at «time»
running at «time»
running at «time»
running at «time»
```
*/

import { Event, Thread } from "../threading/mod.ts";

// The event is a global in Python; a target sent by source gets it as an
// argument (it travels by reference: every thread waits on the same event).
const runner = async (event: Event) => {
  console.log("starting");
  const ms = (1 + Math.floor(Math.random() * 3)) * 10;
  await new Promise((resolve) => setTimeout(resolve, ms));
  console.log("waiting");
  await event.wait();
  console.log(`running at ${new Date().toTimeString().slice(0, 8)}`);
};

const numThreads = 10;
const event = new Event();

const threads = Array.from(
  { length: numThreads },
  () => new Thread({ target: runner, args: [event] }),
);
for (const t of threads) t.start();

event.set();

for (const t of threads) await t.join();
