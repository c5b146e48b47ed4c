// An idle pool that was never shut down does not keep the program alive.
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";

const t = new ThreadPoolExecutor(2);
console.log(await t.submit((x: number) => x + 1, 1));
