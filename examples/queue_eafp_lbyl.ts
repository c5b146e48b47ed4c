/* queue.Queue: ask forgiveness (get_nowait and Empty) or look before you leap (empty).

Python in a Nutshell (4th ed.), chapter 15, "The queue Module". Both idioms
check for work without blocking; the book prefers the first ("it's easier
to ask forgiveness than permission"), since with other threads around, the
queue may change between `empty()` and `get_nowait()`.

```python
import queue

def work_on(x):
    print('working on', x)

q = queue.Queue()
for task in [None, 'task 1']:
    if task is not None:
        q.put(task)

    # EAFP
    try:
        x = q.get_nowait()
    except queue.Empty:
        print('no work to perform')
    else:
        work_on(x)

    if task is not None:
        q.put(task)

    # LBYL
    if q.empty():
        print('no work to perform')
    else:
        x = q.get_nowait()
        work_on(x)
```

```output
no work to perform
no work to perform
working on task 1
working on task 1
```
*/

import { Empty, Queue } from "../queue/mod.ts";
import { print } from "./_py.ts";

const workOn = (x: string) => print("working on", x);

const q = new Queue<string>();
for (const task of [null, "task 1"]) {
  if (task !== null) {
    await q.put(task);
  }

  // EAFP
  let x: string | undefined;
  try {
    x = q.getNowait();
  } catch (e) {
    if (!(e instanceof Empty)) throw e;
    print("no work to perform");
  }
  if (x !== undefined) workOn(x); // Python's `else:` clause

  if (task !== null) {
    await q.put(task);
  }

  // LBYL
  if (q.empty()) {
    print("no work to perform");
  } else {
    const x = q.getNowait();
    workOn(x);
  }
}
