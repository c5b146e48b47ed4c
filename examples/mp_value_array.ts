/* multiprocessing.Value and Array: shared memory, updated under their locks.

Python in a Nutshell (4th ed.), chapter 15, "Shared State: Classes Value,
Array, and Manager". `counter.value += 1` reads then writes, so two
processes doing it at once could lose an update: each holds the value's lock
around it. Each process also writes its own slot of an array, under the
array's lock.

```python
import multiprocessing as mp

def work(counter, squares, i):
    for _ in range(1000):
        with counter.get_lock():
            counter.value += 1
    with squares.get_lock():
        squares[i] = i * i

if __name__ == '__main__':
    counter = mp.Value('i', 0)
    squares = mp.Array('i', 4)
    processes = [mp.Process(target=work, args=(counter, squares, i))
                 for i in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    print(counter.value)
    print(squares[:])
```

```output
4000
[0, 1, 4, 9]
```
*/

import * as mp from "../multiprocessing/mod.ts";
import { print } from "./_py.ts";

// A self-contained function: it travels to each child by its source.
// `with lock:` is `using _ = lock.holdSync();`.
const work = (counter: mp.Value<"i">, squares: mp.Array<"i">, i: number) => {
  for (let n = 0; n < 1000; n++) {
    using _ = counter.getLock().holdSync();
    counter.value += 1;
  }
  using _ = squares.getLock().holdSync();
  squares.set(i, i * i);
};

const counter = new mp.Value("i", 0);
const squares = new mp.Array("i", 4);
const processes = [0, 1, 2, 3].map((i) =>
  new mp.Process({ target: work, args: [counter, squares, i] })
);
for (const p of processes) p.start();
for (const p of processes) await p.join();
print(counter.value);
print(squares.slice());
