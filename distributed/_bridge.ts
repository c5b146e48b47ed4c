/**
 * The Redis thread's side (see `_link.ts`): takes requests from the shared
 * queue without blocking its event loop, talks to Redis, and completes each
 * request's future through shared memory, as a pool worker does.
 *
 * Two kinds of service: a {@linkcode ClusterExecutor}'s tasks (sent to the
 * task stream; claimed, run and answered by worker hosts; cancellable until
 * a host claims them) and a distributed `Queue`'s operations.
 *
 * Loaded only inside a thread Worker, as a module-reference target.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { type Heap, heap } from "../_internal/sync/heap.ts";
import type { WaitWords } from "../_internal/sync/words.ts";
import { decode } from "../_internal/codec/decode.ts";
import { encode } from "../_internal/codec/encode.ts";
import {
  F,
  FState,
  INLINE,
  Outcome,
  W,
  WState,
} from "../_internal/futures/layout.ts";
import {
  claim,
  failItem,
  notice,
  publish,
  pushToPort,
  startItem,
  storeBytes,
} from "../_internal/futures/future_core.ts";
import { PoolCore } from "../_internal/futures/pool_core.ts";
import { SENTINEL } from "../_internal/futures/work_queue.ts";
import { Empty, Full } from "../_internal/queue/errors.ts";
import { ConnectionError, ValueError } from "../_internal/errors.ts";
import type { TargetSpec } from "../_internal/threads/targets.ts";
import { BrokenExecutor } from "../concurrent_futures/errors.ts";
import { bytes, Conn } from "./_redis.ts";
import {
  CANCEL_LUA,
  GOT_LUA,
  GROUP,
  PUT_LUA,
  queueKeys,
  type Reply,
  TASK_DONE_LUA,
  type TaskHeader,
  taskKeys,
} from "./_protocol.ts";
import "../_internal/shareables.ts";

/** Settings of an executor's Redis thread. */
export interface ExecutorConfig {
  url: string;
  queue: string;
  client: string;
  visibilityMs: number;
  maxRetries: number;
}

/** Settings of a queue's Redis thread. */
export interface QueueConfig {
  url: string;
  name: string;
  maxsize: number;
}

/** One service of the thread. */
interface Service {
  /** A request (or a cancellation notice) came. */
  take(ptr: number, w: WaitWords): void;
  /** No more requests will come. */
  close(): void;
  /** Nothing is in flight. */
  idle(): boolean;
  /** Frees what it holds (after close, once idle). */
  dispose(): Promise<void>;
}

/** Buffers for the client (no copy). */
function buf(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Seconds for BLPOP (0 means forever there). */
function blockSeconds(timeout: number | null): number {
  if (timeout === null) return 0;
  return Math.max(timeout, 0.001);
}

/**
 * Completes a request's future with encoded outcome bytes, and hands the
 * work item's reference to the owner's port. A cancelled future is only
 * noticed.
 */
function completeRaw(
  h: Heap,
  ptr: number,
  w: WaitWords,
  ok: boolean,
  out: Uint8Array,
): void {
  if (claim(w)) {
    let block = INLINE;
    if (out.length > h.sizeOf(ptr) - F.WORDS * 4) block = storeBytes(h, out);
    else h.u8.set(out, ptr * 16 + F.WORDS * 4);
    publish(w, ok ? Outcome.VALUE : Outcome.ERROR, block, out.length, 0);
  } else {
    notice(h, ptr, w);
  }
  pushToPort(h, ptr, w);
}

/** Completes a request's future with a value or an error. */
function complete(
  h: Heap,
  ptr: number,
  w: WaitWords,
  ok: boolean,
  value: unknown,
): void {
  let out: Uint8Array;
  try {
    out = encode(value, "process").bytes.slice();
  } catch (e) {
    ok = false;
    out = encode(e, "process").bytes.slice();
  }
  completeRaw(h, ptr, w, ok, out);
}

/** The request envelope in a work item. */
function envelope(h: Heap, ptr: number, w: WaitWords): unknown[] {
  const at = F.WORDS * 4;
  return decode(
    h.bytes(ptr, at + w.load(F.ARGS_LEN)).subarray(at),
  ) as unknown[];
}

/**
 * Runs the thread.
 *
 * @param corePtr The link's shared region (this thread adopts a reference).
 * @param kind What it serves.
 * @param config Its settings.
 */
export async function bridgeMain(
  corePtr: number,
  kind: "executor" | "queue",
  config: ExecutorConfig | QueueConfig,
): Promise<void> {
  const h = heap();
  const core = PoolCore.attach(h, corePtr, (m) => new BrokenExecutor(m));
  const x = core.x;
  const rec = core.rec(0, W.STATE);
  if (x.compareExchange(rec, WState.NONE, WState.RUNNING) !== WState.NONE) {
    return;
  }
  const conn = Conn.open(config.url);
  const wake = () => core.queue.putSentinel();
  const service: Service = kind === "executor"
    ? new TaskService(h, conn, config as ExecutorConfig, wake)
    : new QueueService(h, conn, config as QueueConfig, wake);
  let closing = false;
  for (;;) {
    const ptr = await core.queue.get();
    if (ptr === SENTINEL) {
      if (!closing) {
        closing = true;
        service.close();
      }
      if (service.idle()) break;
      continue;
    }
    try {
      service.take(ptr, h.words(ptr, F.WORDS));
    } catch (e) {
      console.error("Exception in the Redis thread:", e);
    }
  }
  try {
    await service.dispose();
  } finally {
    conn.close();
    if (
      x.compareExchange(rec, WState.RUNNING, WState.EXITED) === WState.RUNNING
    ) {
      h.release(corePtr);
    }
  }
}

/** A task in flight. */
interface Task {
  ptr: number;
  w: WaitWords;
}

/** A ClusterExecutor's tasks. */
class TaskService implements Service {
  readonly #h: Heap;
  readonly #conn: Conn;
  readonly #c: ExecutorConfig;
  readonly #keys: ReturnType<typeof taskKeys>;
  readonly #replyKey: string;
  readonly #wake: () => void;
  readonly #inflight = new Map<string, Task>();
  readonly #byPtr = new Map<number, string>();
  #seq = 0;
  /** Tasks to send, and whether a batch of them is in flight. */
  readonly #outbox: [string, Buffer, Buffer][] = [];
  #sending = false;
  #closing = false;
  #group: Promise<void> | undefined;
  #reader: Promise<void> | undefined;
  #readerWake: (() => void) | undefined;
  #blk: Conn | undefined;
  #blmpop = true;

  constructor(h: Heap, conn: Conn, c: ExecutorConfig, wake: () => void) {
    this.#h = h;
    this.#conn = conn;
    this.#c = c;
    this.#keys = taskKeys(c.queue);
    this.#replyKey = this.#keys.reply(c.client);
    this.#wake = wake;
    this.#ensureGroup().catch(() => {});
    // A lost connection fails what is in flight: nothing waits forever.
    conn.onLost((e) => this.#failAll(e));
  }

  #ensureGroup(): Promise<void> {
    return this.#group ??= this.#conn.run((c) =>
      c.xGroupCreate(this.#keys.stream, GROUP, "0", { MKSTREAM: true })
    ).then(() => {}, (e: Error) => {
      if (/BUSYGROUP/.test(e.message)) return;
      this.#group = undefined;
      throw e;
    });
  }

  take(ptr: number, w: WaitWords): void {
    const h = this.#h;
    const known = this.#byPtr.get(ptr);
    if (known !== undefined) {
      h.release(ptr); // the notice's reference
      this.#cancel(known);
      return;
    }
    const s = w.load(F.STATE);
    if (s === FState.CANCELLED) {
      notice(h, ptr, w); // cancelled before it was sent
      return;
    }
    if (s !== FState.PENDING) {
      h.release(ptr); // a notice about a task that is over
      return;
    }
    const [, target, args, chunk] = envelope(h, ptr, w) as [
      string,
      TargetSpec,
      Uint8Array,
      boolean,
    ];
    const id = `${this.#c.client}:${++this.#seq}`;
    this.#inflight.set(id, { ptr, w });
    this.#byPtr.set(ptr, id);
    const header: TaskHeader = {
      id,
      reply: this.#replyKey,
      target,
      chunk,
      visibilityMs: this.#c.visibilityMs,
      maxRetries: this.#c.maxRetries,
    };
    const m = buf(encode(header).bytes.slice());
    this.#outbox.push([id, m, buf(args)]);
    if (!this.#sending) this.#flush();
    this.#startReader();
  }

  /**
   * Sends the tasks submitted since the last batch, in one transaction
   * (their state, then their stream entries); one batch in flight at a
   * time, so a burst of submits costs a few round trips, not one each.
   */
  #flush(): void {
    const batch = this.#outbox.splice(0);
    if (batch.length === 0) return;
    this.#sending = true;
    this.#send(batch).catch((e) => {
      for (const [id] of batch) this.#fail(id, e);
    }).finally(() => {
      this.#sending = false;
      this.#flush();
    });
  }

  async #send(batch: [string, Buffer, Buffer][]): Promise<void> {
    if (this.#group === undefined) await this.#ensureGroup();
    const { state, stream } = this.#keys;
    const fields: Record<string, string> = {};
    for (const [id] of batch) fields[id] = "p";
    await this.#conn.run((c) => {
      const t = c.multi().hSet(state, fields);
      for (const [, m, a] of batch) t.xAdd(stream, "*", { m, a });
      return t.exec();
    });
  }

  #cancel(id: string): void {
    const i = this.#outbox.findIndex(([x]) => x === id);
    if (i >= 0) {
      // Not sent yet: it never reaches Redis.
      this.#outbox.splice(i, 1);
      const t = this.#inflight.get(id)!;
      this.#forget(id, t);
      notice(this.#h, t.ptr, t.w);
      return;
    }
    this.#conn.run((c) =>
      c.eval(CANCEL_LUA, { keys: [this.#keys.state], arguments: [id] })
    ).then((r: number) => {
      const t = this.#inflight.get(id);
      if (r === 1 && t !== undefined) {
        this.#forget(id, t);
        notice(this.#h, t.ptr, t.w);
      }
    }, (e: unknown) => this.#fail(id, e));
  }

  #forget(id: string, t: Task): void {
    this.#inflight.delete(id);
    this.#byPtr.delete(t.ptr);
    if (this.#closing && this.#inflight.size === 0) this.#wake();
  }

  #fail(id: string, e: unknown): void {
    const t = this.#inflight.get(id);
    if (t === undefined) return;
    this.#forget(id, t);
    failItem(this.#h, t.ptr, t.w, e);
    pushToPort(this.#h, t.ptr, t.w);
  }

  #failAll(e: unknown): void {
    for (const id of [...this.#inflight.keys()]) this.#fail(id, e);
  }

  #startReader(): void {
    this.#readerWake?.();
    this.#readerWake = undefined;
    this.#reader ??= this.#read().finally(() => this.#reader = undefined);
  }

  /** Reads the reply list while tasks are in flight. */
  async #read(): Promise<void> {
    while (!(this.#closing && this.#inflight.size === 0)) {
      if (this.#inflight.size === 0) {
        await new Promise<void>((r) => this.#readerWake = r);
        continue;
      }
      try {
        this.#blk ??= await this.#conn.blocking();
        if (this.#closing && this.#inflight.size === 0) break;
        if (this.#blmpop) {
          // Redis ≥ 7: every reply waiting, in one blocking command.
          const got = await this.#blk.run((c) =>
            c.blmPop(0, this.#replyKey, "LEFT", { COUNT: 1000 })
          );
          if (got !== null) { for (const m of got[1]) this.#handle(bytes(m)); }
          continue;
        }
        const first = await this.#blk.run((c) => c.blPop(this.#replyKey, 0));
        if (first === null) continue;
        this.#handle(bytes(first.element));
        const more = await this.#conn.run((c) =>
          c.lPopCount(this.#replyKey, 1000)
        );
        if (more !== null) { for (const m of more) this.#handle(bytes(m)); }
      } catch (e) {
        if (this.#blmpop && /unknown command/i.test(String(e))) {
          this.#blmpop = false; // an older server: BLPOP, then LPOP COUNT
          continue;
        }
        this.#blk?.close();
        this.#blk = undefined;
        if (this.#closing && this.#inflight.size === 0) break;
        this.#failAll(
          e instanceof ConnectionError ? e : new ConnectionError(String(e)),
        );
      }
    }
  }

  #handle(msg: Uint8Array): void {
    const r = decode(msg) as Reply;
    const t = this.#inflight.get(r[1]);
    if (t === undefined) return; // answered already, or not ours any more
    if (r[0] === "s") {
      let started: boolean;
      try {
        started = startItem(this.#h, t.ptr, t.w);
      } catch {
        return; // claimed again after its host died: it runs already
      }
      if (!started) this.#forget(r[1], t); // cancelled: noticed, result dropped
      return;
    }
    this.#forget(r[1], t);
    completeRaw(this.#h, t.ptr, t.w, r[2], r[3]);
  }

  close(): void {
    this.#closing = true;
    if (this.#inflight.size === 0) this.#readerWake?.();
  }

  idle(): boolean {
    return this.#inflight.size === 0;
  }

  async dispose(): Promise<void> {
    this.#readerWake?.();
    this.#blk?.close();
    await this.#reader?.catch(() => {});
    await this.#conn.run((c) => c.del(this.#replyKey)).catch(() => {});
  }
}

/** A distributed Queue's operations. */
class QueueService implements Service {
  readonly #h: Heap;
  readonly #conn: Conn;
  readonly #c: QueueConfig;
  readonly #k: ReturnType<typeof queueKeys>;
  readonly #wake: () => void;
  readonly #idleConns: Conn[] = [];
  readonly #busy = new Set<Conn>();
  #n = 0;
  #closing = false;

  constructor(h: Heap, conn: Conn, c: QueueConfig, wake: () => void) {
    this.#h = h;
    this.#conn = conn;
    this.#c = c;
    this.#k = queueKeys(c.name);
    this.#wake = wake;
  }

  take(ptr: number, w: WaitWords): void {
    const h = this.#h;
    let start: boolean;
    try {
      start = startItem(h, ptr, w);
    } catch {
      start = false;
      pushToPort(h, ptr, w);
    }
    if (!start) return;
    const env = envelope(h, ptr, w);
    this.#n++;
    this.#op(env).then(
      (v) => {
        if (v instanceof Raw) completeRaw(h, ptr, w, true, v.bytes);
        else complete(h, ptr, w, true, v);
      },
      (e) => complete(h, ptr, w, false, e),
    ).finally(() => {
      this.#n--;
      if (this.#closing && this.#n === 0) this.#wake();
    });
  }

  /** Runs a blocking command on a dedicated connection. */
  async #blocking<T>(fn: (c: Conn) => Promise<T>): Promise<T> {
    let c = this.#idleConns.pop();
    // An idle connection may have been lost since (it does not reconnect).
    while (c !== undefined && !c.ready) {
      c.close();
      c = this.#idleConns.pop();
    }
    c ??= await this.#conn.blocking();
    if (this.#closing) {
      c.close();
      throw new ConnectionError("The queue was closed");
    }
    this.#busy.add(c);
    let ok = false;
    try {
      const r = await fn(c);
      ok = true;
      return r;
    } finally {
      this.#busy.delete(c);
      if (ok && !this.#closing && c.ready) this.#idleConns.push(c);
      else c.close();
    }
  }

  async #op(env: unknown[]): Promise<unknown> {
    const k = this.#k;
    const conn = this.#conn;
    switch (env[0]) {
      case "put": {
        const [, item, block, timeout] = env as [
          string,
          Uint8Array,
          boolean,
          number | null,
        ];
        const deadline = timeout === null
          ? Infinity
          : performance.now() + timeout * 1000;
        const max = String(this.#c.maxsize);
        const b = buf(item);
        for (;;) {
          const r = await conn.run((c) =>
            c.eval(PUT_LUA, {
              keys: [k.items, k.unfinished],
              arguments: [b, max],
            })
          );
          if (r === 1) return null;
          const left = deadline - performance.now();
          if (!block || left <= 0) throw new Full();
          const got = await this.#blocking((c) =>
            c.run((cl) =>
              cl.blPop(k.space, left === Infinity ? 0 : left / 1000)
            )
          );
          if (got === null && timeout !== null) {
            // Timed out: one last try, as a queue.Queue's put would see.
            const last = await conn.run((c) =>
              c.eval(PUT_LUA, {
                keys: [k.items, k.unfinished],
                arguments: [b, max],
              })
            );
            if (last === 1) return null;
            throw new Full();
          }
        }
      }
      case "get": {
        const [, block, timeout] = env as [string, boolean, number | null];
        let item: Uint8Array | null;
        if (!block) {
          const v = await conn.run((c) => c.lPop(k.items));
          item = v === null ? null : bytes(v);
        } else {
          const r = await this.#blocking((c) =>
            c.run((cl) => cl.blPop(k.items, blockSeconds(timeout)))
          );
          item = r === null ? null : bytes(r.element);
        }
        if (item === null) throw new Empty();
        if (this.#c.maxsize > 0) {
          await conn.run((c) => c.eval(GOT_LUA, { keys: [k.space] }));
        }
        return new Raw(item.slice());
      }
      case "qsize":
        return await conn.run((c) => c.lLen(k.items));
      case "taskDone": {
        const n = await conn.run((c) =>
          c.eval(TASK_DONE_LUA, {
            keys: [k.unfinished, k.joiners, k.joinwake],
          })
        );
        if (n < 0) throw new ValueError("task_done() called too many times");
        return null;
      }
      case "join": {
        await conn.run((c) => c.incr(k.joiners));
        try {
          for (;;) {
            const n = Number(str0(await conn.run((c) => c.get(k.unfinished))));
            if (n <= 0) return null;
            await this.#blocking((c) => c.run((cl) => cl.blPop(k.joinwake, 0)));
          }
        } finally {
          await conn.run((c) => c.decr(k.joiners)).catch(() => {});
        }
      }
      default:
        throw new TypeError(`unknown queue operation ${String(env[0])}`);
    }
  }

  close(): void {
    this.#closing = true;
    // Blocked gets and puts end now (with ConnectionError).
    for (const c of this.#busy) c.close();
    if (this.#n === 0) this.#wake();
  }

  idle(): boolean {
    return this.#n === 0;
  }

  dispose(): Promise<void> {
    for (const c of this.#idleConns) c.close();
    this.#idleConns.length = 0;
    return Promise.resolve();
  }
}

/** Encoded bytes that are the outcome as they are. */
class Raw {
  constructor(readonly bytes: Uint8Array) {}
}

function str0(v: unknown): string {
  if (v === null || v === undefined) return "0";
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}
