/* threading.Event: runners wait until the main thread sets the event.

Python in a Nutshell (4th ed.), chapter 15, "Event Objects". The book's
runners sleep 1 to 3 seconds; here they sleep 10 to 30 milliseconds.

```python
import datetime, random, threading, time

def runner():
    print('starting')
    time.sleep(random.randint(1, 3) / 100)
    print('waiting')
    if event is not None:
        event.wait()
    print(f'running at {datetime.datetime.now()}')

num_threads = 10
event = threading.Event()
# uncomment to see the behavior of threads without Event synchronization
# event = None

threads = [threading.Thread(target=runner) for _ in range(num_threads)]
for t in threads:
    t.start()

if event is not None:
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
running at «datetime»
running at «datetime»
running at «datetime»
running at «datetime»
running at «datetime»
running at «datetime»
running at «datetime»
running at «datetime»
running at «datetime»
running at «datetime»
```
*/

import { Event, Thread } from "../threading/mod.ts";

// The event is a global in Python; a target sent by source gets it as an
// argument (it travels by reference: every thread waits on the same event).
const runner = async (event: Event | null) => {
  console.log("starting");
  const ms = (1 + Math.floor(Math.random() * 3)) * 10;
  await new Promise((resolve) => setTimeout(resolve, ms));
  console.log("waiting");
  if (event !== null) {
    await event.wait();
  }
  // Python's str(datetime.datetime.now()): local time, to the microsecond.
  const local = Date.now() - new Date().getTimezoneOffset() * 60_000;
  const now = new Date(local).toISOString().replace("T", " ").slice(0, 23);
  console.log(`running at ${now}000`);
};

const numThreads = 10;
// deno-lint-ignore prefer-const -- reassigned when the line "event = null" is uncommented
let event: Event | null = new Event();
// uncomment to see the behavior of threads without Event synchronization
// event = null;

const threads = Array.from(
  { length: numThreads },
  () => new Thread({ target: runner, args: [event] }),
);
for (const t of threads) t.start();

if (event !== null) {
  event.set();
}

for (const t of threads) await t.join();
