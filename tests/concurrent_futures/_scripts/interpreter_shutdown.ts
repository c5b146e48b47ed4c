// test_interpreter_shutdown: pending work finishes before the program ends,
// without shutdown().
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";

const t = new ThreadPoolExecutor(5);
t.submit(new URL("./_tasks.ts#sleepAndPrint", import.meta.url), 1.0, "apple");
