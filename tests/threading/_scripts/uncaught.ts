// The default excepthook prints the thread's name and the error's stack.
import { Thread } from "../../../threading/mod.ts";

const t = new Thread({
  name: "failing",
  target: () => {
    throw new RangeError("boom");
  },
});
t.start();
// No join: the hook still runs before the process ends.
