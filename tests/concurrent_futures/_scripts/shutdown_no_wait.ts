// test_hang_gh83386: shutdown(wait=false) with work running: the program
// still ends, after the work.
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";

const t = new ThreadPoolExecutor({ maxWorkers: 3 });
t.submit(new URL("./_tasks.ts#sleepAndPrint", import.meta.url), 1.0, "apple");
t.shutdownSync({ wait: false });
