/* subprocess.Popen: a pipeline, one program's output into another's input.

Python in a Nutshell (4th ed.), chapter 15, "The subprocess Module": the
shell's `printf ... | sort`, with each child's standard stream wired to the
other's. The parent closes its copy of the pipe's read end, so that the
first program would get SIGPIPE if the second one exited early.

```python
from subprocess import Popen, PIPE

p1 = Popen(['printf', 'pear\\napple\\nfig\\n'], stdout=PIPE)
p2 = Popen(['sort'], stdin=p1.stdout, stdout=PIPE, text=True)
p1.stdout.close()
output, _ = p2.communicate()
print(output, end='')
print('exit codes', p1.wait(), p2.returncode)
```

```output
apple
fig
pear
exit codes 0 0
```
*/

import { PIPE, Popen } from "../subprocess/mod.ts";
import { print } from "./_py.ts";

const p1 = new Popen(["printf", "pear\\napple\\nfig\\n"], { stdout: PIPE });
const p2 = new Popen(["sort"], { stdin: p1.stdout!, stdout: PIPE, text: true });
await p1.stdout!.close();
const [output] = await p2.communicate();
Deno.stdout.writeSync(new TextEncoder().encode(output as string)); // end=""
print("exit codes", await p1.wait(), p2.returncode);
