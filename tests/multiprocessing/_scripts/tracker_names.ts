// Creates SharedMemory segments whose names hold the tracker's separators
// (a newline that reads as a command naming the victim given as argument,
// a space, a "%") and leaves them for the tracker. Prints one JSON line:
// {names, tracker}.
import { SharedMemory } from "../../../multiprocessing/shared_memory/mod.ts";
import { trackerProcessId } from "../../../_internal/process/tracker.ts";

const victim = Deno.args[0]!;
const tag = `pyconc_names_${Deno.pid}`;
const names = [
  `${tag}_c`,
  `${tag}_a\nR shm ${victim}`,
  `${tag}_b\nU shm ${tag}_c`,
  `${tag} with spaces`,
  `${tag}_%41%0A`,
];
for (const name of names) new SharedMemory({ name, create: true, size: 16 });
console.log(JSON.stringify({ names, tracker: trackerProcessId() }));
