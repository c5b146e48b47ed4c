/* threading.Condition: a producer and a consumer hand items over one by one.

Python in a Nutshell (4th ed.), chapter 15, "Condition Objects": the typical
use of a condition, `with c: while not is_ok_state(s): c.wait()` on one
side and `with c: modify(s); c.notify()` on the other. Here the shared state
is a box that holds at most one item.

```python
import threading

c = threading.Condition()
box = []

def producer():
    for item in range(1, 4):
        with c:
            while box:          # wait until the box is empty
                c.wait()
            box.append(item)
            print('put', item)
            c.notify()

def consumer():
    for _ in range(3):
        with c:
            while not box:      # wait until the box holds an item
                c.wait()
            print('got', box.pop())
            c.notify()

threads = [threading.Thread(target=consumer), threading.Thread(target=producer)]
for t in threads:
    t.start()
for t in threads:
    t.join()
```

The handshake makes the order certain:

```output
put 1
got 1
put 2
got 2
put 3
got 3
```
*/

import { Condition, Thread } from "../threading/mod.ts";

// Threads share no JavaScript objects: the box is shared memory
// (box[0]: how many items, box[1]: the item), the condition travels by
// reference. `with c:` is `using _ = c.holdSync();`.
const c = new Condition();
const box = new Int32Array(new SharedArrayBuffer(8));

const producer = (c: Condition, box: Int32Array) => {
  for (let item = 1; item < 4; item++) {
    using _ = c.holdSync();
    while (box[0] !== 0) c.waitSync(); // wait until the box is empty
    box[1] = item;
    box[0] = 1;
    console.log("put", item);
    c.notify();
  }
};

const consumer = (c: Condition, box: Int32Array) => {
  for (let i = 0; i < 3; i++) {
    using _ = c.holdSync();
    while (box[0] === 0) c.waitSync(); // wait until the box holds an item
    box[0] = 0;
    console.log("got", box[1]);
    c.notify();
  }
};

const threads = [
  new Thread({ target: consumer, args: [c, box] }),
  new Thread({ target: producer, args: [c, box] }),
];
for (const t of threads) t.start();
for (const t of threads) await t.join();
