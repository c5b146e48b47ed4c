/* threading.local: each thread sees its own attributes.

Python in a Nutshell (4th ed.), chapter 15, "Thread Local Storage".

```python
import threading

L = threading.local()
print('in main thread, setting zop to 42')
L.zop = 42

def targ():
    print('in subthread, setting zop to 23')
    L.zop = 23
    print('in subthread, zop is now', L.zop)

t = threading.Thread(target=targ)
t.start()
t.join()
print('in main thread, zop is now', L.zop)
```

```output
in main thread, setting zop to 42
in subthread, setting zop to 23
in subthread, zop is now 23
in main thread, zop is now 42
```
*/

import { local, Thread } from "../threading/mod.ts";

// A thread's target is sent by its source text, so it cannot see the main
// thread's variables: the local object travels as an argument instead (and,
// as in Python, arrives with no attributes in the other thread).
const L = new local() as local & { zop?: number };
console.log("in main thread, setting zop to 42");
L.zop = 42;

const targ = (L: local & { zop?: number }) => {
  console.log("in subthread, setting zop to 23");
  L.zop = 23;
  console.log("in subthread, zop is now", L.zop);
};

const t = new Thread({ target: targ, args: [L] });
t.start();
await t.join();
console.log("in main thread, zop is now", L.zop);
