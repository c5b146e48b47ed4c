/**
 * A peer of the distributed Queue test, in its own process:
 * `producer URL NAME ID N` puts N items; `consumer URL NAME` takes items
 * (blocking its main thread with getSync) until a null, marking each done,
 * and prints what it took as JSON.
 *
 * @module
 */

import { Queue } from "../../../distributed/mod.ts";

const [role, url, name, id, n] = Deno.args;
const q = new Queue<string | null>(name!, { url: url! });
try {
  if (role === "producer") {
    for (let i = 0; i < Number(n); i++) await q.put(`${id}-${i}`);
  } else {
    const took: string[] = [];
    for (;;) {
      const item = q.getSync();
      q.taskDone();
      if (item === null) break;
      took.push(item);
    }
    console.log(JSON.stringify(took));
  }
} finally {
  await q.close();
}
