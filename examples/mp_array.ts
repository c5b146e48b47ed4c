/* multiprocessing.Array of typecode 'c': bytes in shared memory, and its value.

Python in a Nutshell (4th ed.), chapter 15, "Shared State: Classes Value,
Array, and Manager". An Array of `'c'` holds bytes; its `value` reads the
bytes up to the first NUL and writes them followed by a NUL, leaving the
rest as it was.

```python
import multiprocessing

a = multiprocessing.Array('c', b'four score and seven')
a.value = b'five'
print(a.value)
print(a[:])
```

```output
b'five'
b'five\x00score and seven'
```
*/

import * as mp from "../multiprocessing/mod.ts";
import { print } from "./_py.ts";

const bytes = (s: string) => new TextEncoder().encode(s); // Python's b'...'

const a = new mp.Array("c", bytes("four score and seven"));
a.value = bytes("five");
print(a.value);
print(a.slice());
