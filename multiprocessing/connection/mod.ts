/**
 * Python's `multiprocessing.connection`: `Listener`, `Client` and `wait`
 * over sockets (TCP or Unix), wire-compatible with CPython 3.11 and later,
 * so a Deno program and a Python program can talk: the same length-prefixed
 * frames, pickled objects (`send`/`recv`) and the same HMAC challenge
 * (`authkey`).
 *
 * Every call that can block has an async form, which never blocks the
 * event loop, and a `Sync` form, which blocks the calling thread (libc
 * sockets through FFI: run with `--allow-ffi`). Differences from Python: a
 * socket connection stays in the thread that made it (it does not travel
 * to other threads or processes); `wait` takes socket connections and
 * listeners (not `Pipe` connections or process sentinels); abstract and
 * path addresses are strings.
 *
 * @example A Deno client of a Python listener
 * ```ts ignore
 * // python3: from multiprocessing.connection import Listener
 * //          with Listener(("127.0.0.1", 6000), authkey=b"secret") as l:
 * //              with l.accept() as c: c.send(c.recv() * 2)
 * import { Client } from "@pyconc/std/multiprocessing/connection";
 *
 * const authkey = new TextEncoder().encode("secret");
 * using conn = await Client(["127.0.0.1", 6000], { authkey });
 * await conn.send([1, "x", null]);
 * console.log(await conn.recv()); // [1, "x", null, 1, "x", null]
 * ```
 *
 * @example Two Deno ends
 * ```ts
 * import { Client, Listener } from "@pyconc/std/multiprocessing/connection";
 * import assert from "node:assert/strict";
 *
 * using listener = new Listener({ address: ["127.0.0.1", 0] });
 * const [server, client] = await Promise.all([
 *   listener.accept(),
 *   Client(listener.address),
 * ]);
 * await client.send({ op: "add", args: [1, 2] });
 * const { args } = await server.recv() as { args: number[] };
 * await server.send(args[0]! + args[1]!);
 * assert.equal(await client.recv(), 3);
 * server.close();
 * client.close();
 * ```
 *
 * @module
 */

export { Listener, type ListenerOptions } from "./listener.ts";
export { Client, type ClientOptions, ClientSync } from "./client.ts";
export { SocketConnection } from "./socket_connection.ts";
export { wait, type Waitable, waitSync } from "./wait.ts";
export {
  answerChallenge,
  answerChallengeSync,
  deliverChallenge,
  deliverChallengeSync,
} from "./challenge.ts";
export type { Connection } from "../_connection_common.ts";
export type { Address, Family } from "../../_internal/net/socket.ts";
export { AuthenticationError, BufferTooShort } from "../errors.ts";
export { EOFError, OSError } from "../../_internal/errors.ts";
export { PicklingError, UnpicklingError } from "../../pickle/errors.ts";
