/* os.system: run a shell command; get its wait status.

Python in a Nutshell (4th ed.), chapter 15, "Running Other Programs with
the os Module". The command's output goes straight to our standard output;
`system` returns the wait status (the exit code times 256, on Unix), which
`waitstatus_to_exitcode` turns back into the exit code.

```python
import os

status = os.system('echo hello from the shell; exit 3')
print('status', status, 'exit code', os.waitstatus_to_exitcode(status))
```

```output
hello from the shell
status 768 exit code 3
```
*/

import { system, waitstatusToExitcode } from "../os_process/mod.ts";

const status = await system("echo hello from the shell; exit 3");
console.log(
  "status",
  status,
  "exit code",
  waitstatusToExitcode(status),
);
