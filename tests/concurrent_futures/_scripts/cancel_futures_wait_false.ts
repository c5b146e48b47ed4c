// test_cancel_futures_wait_false: the program ends; the work ran or was
// cancelled.
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";

const t = new ThreadPoolExecutor();
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
  0.1,
  "apple",
);
await t.shutdown({ wait: false, cancelFutures: true });
