/* subprocess.run: run a program, capture its output, check its exit status.

Python in a Nutshell (4th ed.), chapter 15, "The subprocess Module".

```python
import subprocess

r = subprocess.run(['echo', 'Hello, world'], capture_output=True, text=True)
print(r.args)
print(r.returncode, repr(r.stdout))

r = subprocess.run('echo out; echo err >&2; exit 3', shell=True,
                   capture_output=True, text=True)
print(r.returncode, repr(r.stdout), repr(r.stderr))

try:
    subprocess.run(['false'], check=True)
except subprocess.CalledProcessError as e:
    print('CalledProcessError:', e)
```

```output
['echo', 'Hello, world']
0 'Hello, world\n'
3 'out\n' 'err\n'
CalledProcessError: Command '['false']' returned non-zero exit status 1.
```
*/

import { CalledProcessError, run } from "../subprocess/mod.ts";
import { print, repr } from "./_py.ts";

let r = await run(["echo", "Hello, world"], {
  captureOutput: true,
  text: true,
});
print(r.args);
print(r.returncode, repr(r.stdout));

r = await run("echo out; echo err >&2; exit 3", {
  shell: true,
  captureOutput: true,
  text: true,
});
print(r.returncode, repr(r.stdout), repr(r.stderr));

try {
  await run(["false"], { check: true });
} catch (e) {
  if (!(e instanceof CalledProcessError)) throw e;
  print("CalledProcessError:", e.message);
}
