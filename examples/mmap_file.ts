/* mmap: a file mapped into memory, read and modified in place.

Python in a Nutshell (4th ed.), chapter 15, "The mmap Module". A mapped
file reads like a file (`readline`, `seek`) and indexes like a bytearray;
assigning to a slice changes the file itself (the new bytes must have the
slice's length).

```python
import mmap, os, tempfile

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, 'hello.txt')
    with open(path, 'wb') as f:
        f.write(b'Hello Python!\n')

    with open(path, 'r+b') as f:
        mm = mmap.mmap(f.fileno(), 0)   # 0: the whole file
        print(mm.readline())
        print(mm[:5])
        mm[6:] = b' world!\n'
        mm.seek(0)
        print(mm.readline())
        mm.close()

    with open(path, 'rb') as f:
        print(f.read())
```

```output
b'Hello Python!\n'
b'Hello'
b'Hello  world!\n'
b'Hello  world!\n'
```
*/

import { mmap } from "../mmap/mod.ts";
import { close, O_RDWR, open } from "../os_process/mod.ts";
import { print } from "./_py.ts";

const tmp = await Deno.makeTempDir();
try {
  const path = `${tmp}/hello.txt`;
  await Deno.writeFile(path, new TextEncoder().encode("Hello Python!\n"));

  const fd = open(path, O_RDWR);
  try {
    const mm = new mmap(fd, 0); // 0: the whole file
    print(mm.readline());
    print(mm.slice(0, 5));
    mm.setSlice(6, new TextEncoder().encode(" world!\n"));
    mm.seek(0);
    print(mm.readline());
    mm.close();
  } finally {
    close(fd);
  }

  print(await Deno.readFile(path));
} finally {
  await Deno.remove(tmp, { recursive: true });
}
