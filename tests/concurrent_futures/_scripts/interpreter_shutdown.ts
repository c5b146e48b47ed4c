// test_interpreter_shutdown: pending work finishes before the program ends,
// without shutdown().
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";

const t = new ThreadPoolExecutor(5);
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
