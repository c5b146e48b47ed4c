/* Manager().list(): a proxy is not the list; list(p) is a copy, and what it holds must pickle.

Python in a Nutshell (4th ed.), chapter 15, "The Manager Class". Comparing
a proxy with a list compares the proxy object itself; `list(p)` copies the
list out of the manager's server process; a value sent to the server must
be picklable, and a function is not. (The book lets that last error
propagate; here it is caught, and reported on standard output.)

```python
import multiprocessing as mp

def make_list():
    some_manager = mp.Manager()
    p = some_manager.list()
    p[:] = [1, 2, 3]
    print(p == [1, 2, 3])  # prints False, as it compares with p itself
    print(list(p) == [1, 2, 3])  # prints True, as it compares with copy

    # this raises an Exception, because functions are not picklable
    try:
        p.append(lambda: None)
    except Exception:
        print('functions are not picklable')

if __name__ == '__main__':
    make_list()
```

```output
False
True
functions are not picklable
```
*/

import { isDeepStrictEqual } from "node:util";
import * as mp from "../multiprocessing/mod.ts";
import { print } from "./_py.ts";

async function makeList(): Promise<void> {
  // Python shuts the manager down when it is collected; `await using`
  // shuts it down when makeList returns.
  await using someManager = await mp.Manager();
  const p = await someManager.list<number>();
  await p.setSlice(0, 0, [1, 2, 3]); // p[:] = [1, 2, 3]
  print(Object.is(p, [1, 2, 3])); // false: it compares with p itself
  print(isDeepStrictEqual(await p.copy(), [1, 2, 3])); // true: with a copy

  // this throws, because functions are not picklable
  try {
    await p.append((() => null) as unknown as number);
  } catch {
    print("functions are not picklable");
  }
}

await makeList();
