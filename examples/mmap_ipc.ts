/* mmap for IPC: one process writes a file, another watches it through a map.

Python in a Nutshell (4th ed.), chapter 15, "Using mmap Objects for IPC".
The book's reader maps a file and prints its contents whenever they
change; its writer overwrites the file with each line a user types. Here
the writer is a child process with three lines to write, and an Event
stands for the user who reads the screen before typing the next line (so
no line goes unseen). The writer opens the file `'r+b'` where the book's
opens it `'wb'`, and each line is longer than the one before: the file
never shrinks under the reader's map (reading a mapped page past the end of
the file is a SIGBUS, in Python as here).

```python
import mmap, multiprocessing as mp, os, tempfile, time

def writer(path, seen):
    fileob = open(path, 'r+b')
    for data in ['Hello', 'Hello, world', 'Hello, world, goodbye']:
        seen.wait()
        seen.clear()
        fileob.seek(0)
        fileob.write(data.encode())
        fileob.truncate()
        fileob.flush()
    fileob.close()

if __name__ == '__main__':
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'xxx')
        with open(path, 'wb') as f:
            f.write(b'.')
        seen = mp.Event()
        p = mp.Process(target=writer, args=(path, seen))
        p.start()
        mx = mmap.mmap(os.open(path, os.O_RDWR), 1)
        last = None
        while True:
            mx.resize(mx.size())
            data = mx[:]
            if data != last:
                print(data)
                last = data
                seen.set()
                if data.endswith(b'goodbye'):
                    break
            time.sleep(0.01)
        mx.close()
        p.join()
```

```output
b'.'
b'Hello'
b'Hello, world'
b'Hello, world, goodbye'
```
*/

import { mmap } from "../mmap/mod.ts";
import * as mp from "../multiprocessing/mod.ts";
import { close, O_RDWR, open } from "../os_process/mod.ts";
import { print } from "./_py.ts";

// Self-contained, as a target sent by source must be: it writes with Deno's
// file API (unbuffered, so each write needs no flush).
const writer = async (path: string, seen: mp.Event) => {
  const fileob = await Deno.open(path, { read: true, write: true });
  for (const data of ["Hello", "Hello, world", "Hello, world, goodbye"]) {
    await seen.wait();
    seen.clear();
    const bytes = new TextEncoder().encode(data);
    await fileob.seek(0, Deno.SeekMode.Start);
    for (let n = 0; n < bytes.length;) {
      n += await fileob.write(bytes.subarray(n));
    }
    await fileob.truncate(bytes.length);
  }
  fileob.close();
};

const tmp = await Deno.makeTempDir();
try {
  const path = `${tmp}/xxx`;
  await Deno.writeTextFile(path, ".");
  const seen = new mp.Event();
  const p = new mp.Process({ target: writer, args: [path, seen] });
  p.start();
  const fd = open(path, O_RDWR);
  const mx = new mmap(fd, 1);
  close(fd); // the map keeps its own descriptor, as Python's does
  let last: string | null = null;
  while (true) {
    mx.resize(mx.size());
    const data = mx.slice();
    const text = new TextDecoder().decode(data);
    if (text !== last) {
      print(data);
      last = text;
      seen.set();
      if (text.endsWith("goodbye")) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  mx.close();
  await p.join();
} finally {
  await Deno.remove(tmp, { recursive: true });
}
