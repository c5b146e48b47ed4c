// test_hang_gh83386: shutdown(wait=false) with work running: the program
// still ends, after the work.
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";

const t = new ThreadPoolExecutor({ maxWorkers: 3 });
t.submit(
  (seconds: number, msg: string) => {
    Atomics.wait(
      new Int32Array(new SharedArrayBuffer(4)),
      0,
      0,
      seconds * 1000,
    );
    console.log(msg);
  },
  1.0,
  "apple",
);
t.shutdownSync({ wait: false });
