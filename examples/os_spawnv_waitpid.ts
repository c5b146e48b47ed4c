/* os.spawnv with P_NOWAIT, then os.waitpid: start a program, go on, reap it later.

Python in a Nutshell (4th ed.), chapter 15, "Running Other Programs with
the os Module". With `P_NOWAIT`, `spawnv` returns the child's process id at
once; the parent goes on with its work while the child runs, and later
`waitpid` waits for the child and returns its id and wait status.

```python
import os

pid = os.spawnv(os.P_NOWAIT, '/bin/sh', ['sh', '-c', 'echo child running; exit 7'])
print('parent goes on')
wpid, status = os.waitpid(pid, 0)
print('reaped the child:', wpid == pid)
print('exit code', os.waitstatus_to_exitcode(status))
```

Parent and child run at once, so their first lines come in either order:

```output any order
parent goes on
child running
```

```output
reaped the child: True
exit code 7
```
*/

import {
  P_NOWAIT,
  spawnv,
  waitpid,
  waitstatusToExitcode,
} from "../os_process/mod.ts";
import { print } from "./_py.ts";

const pid = await spawnv(P_NOWAIT, "/bin/sh", [
  "sh",
  "-c",
  "echo child running; exit 7",
]);
print("parent goes on");
const [wpid, status] = await waitpid(pid, 0);
print("reaped the child:", wpid === pid);
print("exit code", waitstatusToExitcode(status));
