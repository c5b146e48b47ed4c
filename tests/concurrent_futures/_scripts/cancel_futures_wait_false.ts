// test_cancel_futures_wait_false: the program ends; the work ran or was
// cancelled.
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";

const t = new ThreadPoolExecutor();
t.submit(new URL("./_tasks.ts#sleepAndPrint", import.meta.url), 0.1, "apple");
await t.shutdown({ wait: false, cancelFutures: true });
