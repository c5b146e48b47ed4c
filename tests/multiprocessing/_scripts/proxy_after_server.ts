/**
 * A process that loaded a manager's server (as a spare child loads it
 * ahead, or a server process) but not the proxy classes: it receives a
 * proxy (the codec's bytes, base64 on stdin) as a child process receives
 * its assignment, loading the classes the bytes name first, and prints
 * the class it rebuilt.
 */
import "../../../multiprocessing/managers/_server_main.ts";
import { decode } from "../../../_internal/codec/decode.ts";
import { loadShareablesFor } from "../../../_internal/shareable_modules.ts";

const text = new TextDecoder().decode(
  await new Response(Deno.stdin.readable).arrayBuffer(),
).trim();
const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
await loadShareablesFor(bytes);
const l = decode(bytes) as { constructor: { name: string } } & AsyncDisposable;
console.log(l.constructor.name);
await l[Symbol.asyncDispose]();
