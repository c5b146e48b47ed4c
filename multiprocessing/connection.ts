import { OSError } from "../_internal/errors.ts";
import { type Heap, registerDestructor } from "../_internal/sync/heap.ts";
// Not layout.ts: it loads every core (a manager server reports its address
// on a Pipe, and loads nothing else of the heap objects).
import { HEADER, Tag } from "../_internal/sync/object_tags.ts";
import { heapRecord } from "../_internal/sync/heap_object.ts";
import {
  ByteRing,
  RING_CAP,
  RING_DATA,
  RING_WORDS,
} from "../_internal/sync/byte_ring.ts";
import { runAsync, runSync } from "../_internal/sync/words.ts";
import { toMs } from "../_internal/sync/timeout.ts";
import {
  registerShareable,
  SHARE,
  type ShareRecord,
} from "../_internal/codec/shareable.ts";
import { encode } from "../_internal/codec/encode.ts";
import { decode } from "../_internal/codec/decode.ts";
import { INSPECT } from "../_internal/sync/hold.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { onProcessExit } from "../_internal/process/exit.ts";
import { noteHeld, noteReleased } from "../_internal/process/record.ts";
import { BufferTooShort } from "./errors.ts";
import {
  checkMaxlength,
  type Connection as ConnectionInterface,
  intoTarget,
  sendSlice,
} from "./_connection_common.ts";

/** Pipe fields: the duplex flag, then one or two rings. */
const P = {
  DUPLEX: HEADER,
  RINGS: HEADER + 2,
  WORDS: HEADER + 2 + 2 * RING_WORDS,
} as const;

/** End fields: the pipe and which end this is (0 or 1). */
const EN = { PIPE: HEADER, INDEX: HEADER + 1, WORDS: HEADER + 2 } as const;

/**
 * Bytes per direction. A larger ring means fewer waits when a process
 * streams big messages; memory is used only for the pages touched.
 */
const RING_BYTES = 1 << 20;

const TAG = "multiprocessing.Connection";

/** The rings an end writes to and reads from (-1: none). */
function ringsOf(index: number, duplex: boolean): [number, number] {
  if (duplex) return index === 0 ? [0, 1] : [1, 0];
  return index === 0 ? [-1, 0] : [0, -1]; // Python: (reader, writer)
}

function ringAt(h: Heap, pipe: number, ring: number): ByteRing {
  const base = P.RINGS + ring * RING_WORDS;
  const words = h.words(pipe, P.WORDS);
  const data = h.bytes(
    words.load(base + RING_DATA),
    words.load(base + RING_CAP),
  );
  return new ByteRing(words, base, data, h);
}

/** Creates the pipe object and its two ends (each with one reference). */
function createPipe(h: Heap, duplex: boolean): [number, number] {
  const pipe = h.allocObject(Tag.PIPE, P.WORDS);
  h.retain(pipe); // one reference per end
  const w = h.int32(pipe, P.WORDS);
  w[P.DUPLEX] = duplex ? 1 : 0;
  for (let r = 0; r < (duplex ? 2 : 1); r++) {
    const base = P.RINGS + r * RING_WORDS;
    w[base + RING_DATA] = h.alloc(RING_BYTES, false);
    w[base + RING_CAP] = RING_BYTES;
  }
  const ends: number[] = [];
  for (let i = 0; i < 2; i++) {
    const end = h.allocObject(Tag.PIPE_END, EN.WORDS);
    const e = h.int32(end, EN.WORDS);
    e[EN.PIPE] = pipe;
    e[EN.INDEX] = i;
    ends.push(end);
  }
  return [ends[0]!, ends[1]!];
}

// The last handle of an end gone: the other side sees end-of-file (or a
// broken pipe), as when a process's last descriptor of a pipe closes.
registerDestructor(Tag.PIPE_END, (h, end) => {
  const e = h.int32(end, EN.WORDS);
  const pipe = e[EN.PIPE]!;
  const duplex = h.int32(pipe, P.WORDS)[P.DUPLEX] === 1;
  const [write, read] = ringsOf(e[EN.INDEX]!, duplex);
  if (write >= 0) ringAt(h, pipe, write).closeWriter();
  if (read >= 0) ringAt(h, pipe, read).closeReader();
  h.release(pipe);
});

registerDestructor(Tag.PIPE, (h, pipe) => {
  const w = h.int32(pipe, P.WORDS);
  for (let r = 0; r < 2; r++) {
    const block = w[P.RINGS + r * RING_WORDS + RING_DATA]!;
    if (block === 0) continue;
    ringAt(h, pipe, r).freeUnread(); // big messages nobody read
    h.free(block);
  }
});

/** This thread's Connection objects, by end, and what releases them. */
const live = new Map<number, WeakRef<Connection>>();
const finalizer = new FinalizationRegistry<number>((end) => {
  if (live.get(end)?.deref() === undefined) live.delete(end);
  noteReleased(end);
  programHeap().release(end);
});

onProcessExit(() => {
  // A process that ends closes its pipe ends, as the kernel closes a dead
  // process's descriptors: the other side sees end-of-file.
  for (const ref of [...live.values()]) ref.deref()?.close();
});

const CREATE: unique symbol = Symbol("create");

/**
 * Python's `multiprocessing.connection.Connection`: one end of a `Pipe`.
 * Made by {@linkcode Pipe}; passed to another process (in `args`, in a
 * queue item, or through another pipe) it arrives bound to the same end.
 *
 * `send(obj)` sends structured-clone data (the library's shareable objects
 * by reference, SharedArrayBuffers copied), `recv()` receives it;
 * `sendBytes`/`recvBytes`/`recvBytesInto` move raw bytes. Messages keep
 * their order and boundaries, and any size is accepted (a message larger
 * than the pipe's buffer travels in a block of the shared memory, one at a
 * time). Each method can block, so
 * each has an async form and a `Sync` form.
 *
 * When every handle of an end is closed (`close()`, garbage collection, or
 * the end of the process that held it), `recv` on the other end raises
 * `EOFError` once the messages sent before are read, and `send` on the
 * other end raises `BrokenPipeError`. A handle held by a process that was
 * killed (`terminate()`, `kill()`, a signal) is closed when its parent
 * reaps it (`join()`, `isAlive()`, `exitcode`, `activeChildren()`), where
 * Python's kernel pipes close at the death itself.
 *
 * One thread sends at a time and one receives at a time (each side holds a
 * lock for a whole message), so concurrent use never mixes messages.
 *
 * A process killed at any instant of `send` or `recv` leaves the pipe
 * usable: a message is published, and consumed, in one step, and the side
 * locks record their owner, so the next sender or receiver takes a dead
 * owner's lock over. Only the message the killed process was moving is
 * lost; no message is ever duplicated or cut.
 *
 * @example Sending both ways
 * ```ts
 * import { Pipe, Process, type Connection } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const [parent, child] = Pipe();
 * const p = new Process({
 *   target: (conn: Connection) => {
 *     const { n } = conn.recvSync() as { n: number };
 *     conn.sendSync({ squared: n * n });
 *     conn.close();
 *   },
 *   args: [child],
 * });
 * p.start();
 * child.close();
 * await parent.send({ n: 12 });
 * assert.deepEqual(await parent.recv(), { squared: 144 });
 * await p.join();
 * parent.close();
 * ```
 */
export class Connection implements ConnectionInterface {
  readonly #h: Heap;
  readonly #end: number;
  readonly #out: ByteRing | null;
  readonly #in: ByteRing | null;
  #closed = false;
  readonly #token = {};

  /** @internal Made by `Pipe()` (or rebuilt from a record). */
  constructor(token: typeof CREATE, h: Heap, end: number) {
    if (token !== CREATE) {
      throw new TypeError("Connection objects are made by Pipe()");
    }
    this.#h = h;
    this.#end = end;
    const e = h.int32(end, EN.WORDS);
    const pipe = e[EN.PIPE]!;
    const duplex = h.int32(pipe, P.WORDS)[P.DUPLEX] === 1;
    const [write, read] = ringsOf(e[EN.INDEX]!, duplex);
    this.#out = write >= 0 ? ringAt(h, pipe, write) : null;
    this.#in = read >= 0 ? ringAt(h, pipe, read) : null;
    live.set(end, new WeakRef(this));
    finalizer.register(this, end, this.#token);
    noteHeld(end);
  }

  /** Whether the connection is closed (here: other handles may remain). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this end can receive. */
  get readable(): boolean {
    return this.#in !== null;
  }

  /** Whether this end can send. */
  get writable(): boolean {
    return this.#out !== null;
  }

  #sending(): ByteRing {
    if (this.#closed) throw new OSError("handle is closed");
    if (this.#out === null) throw new OSError("connection is read-only");
    return this.#out;
  }

  #receiving(): ByteRing {
    if (this.#closed) throw new OSError("handle is closed");
    if (this.#in === null) throw new OSError("connection is write-only");
    return this.#in;
  }

  /**
   * Sends `obj` (structured-clone data) to the other end, waiting without
   * blocking the event loop while the pipe is full.
   * @throws {TypeError} If `obj` cannot cross to another process (nothing is sent).
   * @throws {BrokenPipeError} If every handle of the other end is closed.
   * @throws {OSError} If this connection is closed or read-only.
   */
  send(obj: unknown): Promise<void> {
    const ring = this.#sending();
    // Sent at once if there is room; copied only if the send must wait.
    return runAsync(ring.writing(encode(obj, "process").bytes, false));
  }

  /** Like {@linkcode Connection.send}, blocking the calling thread. */
  sendSync(obj: unknown): void {
    runSync(this.#sending().writing(encode(obj, "process").bytes));
  }

  /**
   * Receives an object sent with `send`.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {OSError} If this connection is closed or write-only.
   */
  async recv(): Promise<unknown> {
    return decode(await runAsync(this.#receiving().reading()));
  }

  /** Like {@linkcode Connection.recv}, blocking the calling thread. */
  recvSync(): unknown {
    return decode(runSync(this.#receiving().reading()));
  }

  /**
   * Sends bytes as one message (Python's `send_bytes`).
   * @param buf A typed array (its bytes are sent).
   * @param offset Where to start, in bytes.
   * @param size How many bytes (to the end by default).
   * @throws {TypeError} If offset or size is not an integer (NaN, 2.5).
   * @throws {ValueError} If offset or size fall outside `buf`.
   */
  sendBytes(buf: ArrayBufferView, offset = 0, size?: number): Promise<void> {
    const ring = this.#sending();
    // Sent at once if there is room; copied only if the send must wait.
    return runAsync(ring.writing(sendSlice(buf, offset, size), false));
  }

  /** Like {@linkcode Connection.sendBytes}, blocking the calling thread. */
  sendBytesSync(buf: ArrayBufferView, offset = 0, size?: number): void {
    const ring = this.#sending();
    runSync(ring.writing(sendSlice(buf, offset, size)));
  }

  /**
   * Receives one message as bytes (Python's `recv_bytes`).
   * @param maxlength The longest message accepted.
   * @throws {OSError} If the message is longer than `maxlength` (it is
   *   dropped; the connection stays usable).
   * @throws {EOFError} If the other end is closed and nothing is left.
   */
  recvBytes(maxlength?: number): Promise<Uint8Array> {
    return runAsync(this.#recvBytes(maxlength));
  }

  /** Like {@linkcode Connection.recvBytes}, blocking the calling thread. */
  recvBytesSync(maxlength?: number): Uint8Array {
    return runSync(this.#recvBytes(maxlength));
  }

  #recvBytes(maxlength?: number) {
    const limit = checkMaxlength(maxlength);
    return this.#receiving().reading(undefined, limit, () => {
      throw new OSError("bad message length");
    });
  }

  /**
   * Receives one message into `buf` at byte `offset` (Python's
   * `recv_bytes_into`).
   * @returns the message's length in bytes.
   * @throws {BufferTooShort} If it does not fit; the whole message is in
   *   the error's `args[0]`.
   * @throws {TypeError} If `offset` is not an integer.
   * @throws {ValueError} If `offset` is negative or past the end.
   */
  recvBytesInto(buf: ArrayBufferView, offset = 0): Promise<number> {
    return runAsync(this.#recvInto(buf, offset));
  }

  /** Like {@linkcode Connection.recvBytesInto}, blocking the calling thread. */
  recvBytesIntoSync(buf: ArrayBufferView, offset = 0): number {
    return runSync(this.#recvInto(buf, offset));
  }

  *#recvInto(buf: ArrayBufferView, offset: number) {
    const target = intoTarget(buf, offset);
    const ring = this.#receiving();
    const got = yield* ring.reading(
      target,
      Infinity,
      (message) => {
        throw new BufferTooShort(message);
      },
    );
    return got.length;
  }

  /**
   * Whether a message can be received without waiting, waiting up to
   * `timeout` seconds for one (Python's `poll`; at end-of-file it is true,
   * since `recv` returns at once, with EOFError).
   * @param timeout Seconds; 0 (the default) does not wait, null waits forever.
   */
  poll(timeout: number | null = 0): Promise<boolean> {
    return runAsync(this.#receiving().polling(toMs(timeout)));
  }

  /** Like {@linkcode Connection.poll}, blocking the calling thread. */
  pollSync(timeout: number | null = 0): boolean {
    return runSync(this.#receiving().polling(toMs(timeout)));
  }

  /**
   * Closes this handle. When every handle of this end (in every process)
   * is closed, the other end sees end-of-file. Closing twice is harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    finalizer.unregister(this.#token);
    if (live.get(this.#end)?.deref() === this) live.delete(this.#end);
    // Off the list first: if this process is killed in between, its parent
    // must not release the reference a second time.
    noteReleased(this.#end);
    this.#h.release(this.#end);
  }

  /** Closes the connection (`using conn = …`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Python's repr. */
  toString(): string {
    return `<Connection ${this.#closed ? "closed" : `end=${this.#end}`}${
      this.#in !== null ? " readable" : ""
    }${this.#out !== null ? " writable" : ""}>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  /**
   * @internal The codec record: the end travels by reference.
   * @throws {OSError} If the connection is closed.
   */
  [SHARE](): ShareRecord {
    if (this.#closed) throw new OSError("handle is closed");
    return heapRecord(TAG, this.#end, this.#h);
  }
}

/** This thread's object for an end, adopting the caller's reference. */
function adopt(end: number): Connection {
  const h = programHeap();
  h.checkTag(end, Tag.PIPE_END, "Connection");
  const existing = live.get(end)?.deref();
  if (existing !== undefined && !existing.closed) {
    h.release(end); // the object holds its own reference
    return existing;
  }
  return new Connection(CREATE, h, end);
}

registerShareable(TAG, (data) => adopt(data as number));

/**
 * Python's `multiprocessing.Pipe(duplex=True)`: a pair of connected
 * `Connection`s. With `duplex` (the default) both ends send and receive;
 * without, the first only receives and the second only sends, as Python's.
 *
 * The pipe lives in the program's shared memory: a ring buffer per
 * direction, with futex waits; no descriptors.
 *
 * @param duplex Whether both ends can send.
 * @returns `[conn1, conn2]`.
 *
 * @example
 * ```ts
 * import { Pipe } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const [reader, writer] = Pipe(false);
 * writer.sendSync([1, "two", { three: 3 }]);
 * assert.deepEqual(reader.recvSync(), [1, "two", { three: 3 }]);
 * writer.close();
 * assert.equal(reader.pollSync(), true); // end-of-file is readable
 * reader.close();
 * ```
 */
export function Pipe(duplex = true): [Connection, Connection] {
  const h = programHeap();
  const [a, b] = createPipe(h, Boolean(duplex));
  return [new Connection(CREATE, h, a), new Connection(CREATE, h, b)];
}
