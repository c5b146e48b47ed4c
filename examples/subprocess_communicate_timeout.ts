/* subprocess.Popen.communicate with a timeout: give up waiting, kill, collect.

Python in a Nutshell (4th ed.), chapter 15, "The subprocess Module": when
`communicate` times out, the child still runs; the documented way out is to
kill it, then call `communicate` again to collect the rest of its output.
The parent reads the child's first line before it starts the clock, so
that the output does not depend on how fast the child starts.

```python
import subprocess

proc = subprocess.Popen(['sh', '-c', 'echo started; exec sleep 10'],
                        stdout=subprocess.PIPE, text=True)
print(proc.stdout.readline(), end='')
try:
    outs, errs = proc.communicate(timeout=0.5)
except subprocess.TimeoutExpired as e:
    print('TimeoutExpired:', e)
    proc.kill()
    outs, errs = proc.communicate()
print(repr(outs), errs, proc.returncode)
```

```output
started
TimeoutExpired: Command '['sh', '-c', 'echo started; exec sleep 10']' timed out after 0.5 seconds
'' None -9
```
*/

import { PIPE, Popen, TimeoutExpired } from "../subprocess/mod.ts";
import { print, repr } from "./_py.ts";

const proc = new Popen(["sh", "-c", "echo started; exec sleep 10"], {
  stdout: PIPE,
  text: true,
});
const line = await proc.stdout!.readline();
Deno.stdout.writeSync(new TextEncoder().encode(line as string)); // end=""
let outs, errs;
try {
  [outs, errs] = await proc.communicate(null, 0.5);
} catch (e) {
  if (!(e instanceof TimeoutExpired)) throw e;
  print("TimeoutExpired:", e.message);
  proc.kill();
  [outs, errs] = await proc.communicate();
}
print(repr(outs), errs, proc.returncode);
