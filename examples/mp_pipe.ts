/* multiprocessing.Pipe: two processes talk over a pipe's two ends.

Python in a Nutshell (4th ed.), chapter 15, "The Pipe Function": `Pipe()`
returns the two connected ends; whatever one end sends (any picklable
object), the other end receives.

```python
import multiprocessing as mp

def child(conn):
    conn.send([42, None, 'hello'])
    print('child got', conn.recv())
    conn.close()

if __name__ == '__main__':
    parent_conn, child_conn = mp.Pipe()
    p = mp.Process(target=child, args=(child_conn,))
    p.start()
    print('parent got', parent_conn.recv())
    parent_conn.send({'reply': 'thanks'})
    p.join()
    print('child exit code', p.exitcode)
```

```output
parent got [42, None, 'hello']
child got {'reply': 'thanks'}
child exit code 0
```
*/

import * as mp from "../multiprocessing/mod.ts";
import { print } from "./_py.ts";

// Self-contained, as a target sent by source must be; the connection
// travels to the child by reference.
const child = async (conn: mp.Connection) => {
  await conn.send([42, null, "hello"]);
  const got = await conn.recv() as { reply: string };
  console.log(`child got {'reply': '${got.reply}'}`);
  conn.close();
};

const [parentConn, childConn] = mp.Pipe();
const p = new mp.Process({ target: child, args: [childConn] });
p.start();
print("parent got", await parentConn.recv());
await parentConn.send({ reply: "thanks" });
await p.join();
print("child exit code", p.exitcode);
