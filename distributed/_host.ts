/**
 * A worker host's loop: reads tasks from the stream as a member of the
 * `hosts` consumer group, claims each one (Lua: not cancelled, not answered
 * already), runs it on a local pool, and answers in one transaction (reply,
 * state deleted, entry acknowledged and deleted). Meanwhile a timer
 * heartbeats the held tasks (XCLAIM JUSTID resets their idle time) and
 * reclaims the tasks of dead hosts (XPENDING + XCLAIM after their
 * visibility timeout), failing those that ran out of retries.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { hostname } from "node:os";
import { decode } from "../_internal/codec/decode.ts";
import { encode } from "../_internal/codec/encode.ts";
import type { TargetSpec } from "../_internal/threads/targets.ts";
import type { Executor } from "../concurrent_futures/executor.ts";
import { ThreadPoolExecutor } from "../concurrent_futures/thread_pool_executor.ts";
import { ProcessPoolExecutor } from "../concurrent_futures/process_pool_executor.ts";
import { BrokenExecutor } from "../concurrent_futures/errors.ts";
import { bytes, Conn, Script, str } from "./_redis.ts";
import {
  CLAIM_LUA,
  GROUP,
  type Reply,
  type TaskHeader,
  taskKeys,
} from "./_protocol.ts";

/** Options of a worker host. */
export interface HostOptions {
  url: string;
  queue: string;
  processes: number | null;
  threads: number | null;
}

/** Entries a host holds per pool slot (claimed or waiting to be). */
const PREFETCH = 8;

/**
 * Tasks a host claims per pool slot on their first delivery: the ones
 * that start now and the ones queued behind them on the pool (as Python's
 * `ProcessPoolExecutor` moves a few calls ahead to its call queue, which
 * marks them running). Claiming ahead lets claims, answers and the pool's
 * wake-ups come in batches under load, several tasks per Redis round trip.
 * A task delivered again (its host died) is claimed only when it starts.
 */
const AHEAD = 4;

const CLAIM = new Script(CLAIM_LUA);

/** A task's answer waiting to be sent (with others, in one transaction). */
interface Answer {
  entry: string;
  /** Absent: acknowledge only (cancelled, or answered already). */
  id?: string;
  reply?: string;
  msg?: Buffer;
}

/**
 * A delivered entry waiting to be claimed: entry id, header, arguments,
 * and whether it may be claimed ahead of a free pool slot.
 */
type Delivered = [string, TaskHeader, Uint8Array, boolean];

/** A task this host holds. */
interface Held {
  header: TaskHeader;
}

function buf(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/**
 * Rebuilt functions by source: the pool keeps one target block per
 * function object, so the same source must give the same object.
 */
const rebuilt = new Map<string, (...a: unknown[]) => unknown>();

/** Rebuilds a target for the local pool (once per source). */
function localTarget(
  spec: TargetSpec,
): string | ((...a: unknown[]) => unknown) {
  if (spec.kind === "module") return rebuild(spec);
  let fn = rebuilt.get(spec.source);
  if (fn === undefined) {
    fn = rebuild(spec) as (...a: unknown[]) => unknown;
    if (rebuilt.size >= 1000) rebuilt.clear();
    rebuilt.set(spec.source, fn);
  }
  return fn;
}

function rebuild(
  spec: TargetSpec,
): string | ((...a: unknown[]) => unknown) {
  if (spec.kind === "module") {
    return `${spec.url}#${encodeURIComponent(spec.name)}`;
  }
  let raw: unknown;
  try {
    raw = (0, eval)(`(${spec.source}\n)`);
  } catch {
    raw = ((0, eval)(`({${spec.source}\n})`) as Record<string, unknown>)[
      spec.name
    ];
  }
  if (typeof raw !== "function") {
    throw new TypeError(`Cannot rebuild function ${spec.name} from its source`);
  }
  return raw as (...a: unknown[]) => unknown;
}

/**
 * Makes the local pool: processes by default (CPU-bound tasks run in
 * parallel, and a task that crashes takes down only its pool worker),
 * threads on request.
 */
function makePool(o: HostOptions): { pool: Executor; size: number } {
  if (o.threads !== null) {
    return {
      pool: new ThreadPoolExecutor({ maxWorkers: o.threads }),
      size: o.threads,
    };
  }
  const size = o.processes ?? (navigator.hardwareConcurrency || 1);
  return { pool: new ProcessPoolExecutor({ maxWorkers: size }), size };
}

/** A running host. */
export class Host {
  readonly #o: HostOptions;
  readonly #keys: ReturnType<typeof taskKeys>;
  readonly #conn: Conn;
  readonly #consumer: string;
  readonly #pool: Executor;
  readonly #size: number;
  readonly #held = new Map<string, Held>();
  /** Delivered entries not claimed yet, in order. */
  readonly #backlog: Delivered[] = [];
  /** Tasks claimed and running on the pool. */
  #running = 0;
  /** Whether a claim script is in flight. */
  #claiming = false;
  /** Answers to send, and whether a batch of them is in flight. */
  readonly #outbox: Answer[] = [];
  #sending = false;
  /** Headers of other hosts' pending tasks, by entry id. */
  readonly #seen = new Map<string, TaskHeader>();
  #stopping = false;
  #blk: Conn | undefined;
  #room: (() => void) | undefined;
  #drained: (() => void) | undefined;
  #minVisibility = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when the host ended (rejects if it could not start). */
  readonly done: Promise<void>;

  constructor(o: HostOptions) {
    this.#o = o;
    this.#keys = taskKeys(o.queue);
    this.#conn = Conn.open(o.url);
    this.#consumer = `${hostname()}:${Deno.pid}:${crypto.randomUUID()}`;
    const { pool, size } = makePool(o);
    this.#pool = pool;
    this.#size = size;
    this.done = this.#main();
  }

  /** Stops reading tasks; resolves once the held tasks are answered. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#blk?.close();
    this.#room?.();
    await this.done.catch(() => {});
  }

  async #main(): Promise<void> {
    try {
      await this.#conn.run((c) =>
        c.xGroupCreate(this.#keys.stream, GROUP, "0", { MKSTREAM: true })
      ).catch((e: Error) => {
        if (!/BUSYGROUP/.test(e.message)) throw e;
      });
      this.#schedule(100);
      while (!this.#stopping) {
        // A few entries in hand beyond the pool's size hide the round
        // trips; they stay unclaimed (cancellable) until they run.
        const free = this.#size * PREFETCH - this.#held.size;
        if (free <= 0) {
          await new Promise<void>((r) => this.#room = r);
          this.#room = undefined;
          continue;
        }
        let r;
        try {
          this.#blk ??= await this.#conn.blocking();
          r = await this.#blk.run((c) =>
            c.xReadGroup(
              GROUP,
              this.#consumer,
              { key: this.#keys.stream, id: ">" },
              { COUNT: free, BLOCK: 2000 },
            )
          );
        } catch (e) {
          this.#blk?.close();
          this.#blk = undefined;
          if (this.#stopping) break;
          throw e;
        }
        if (r === null) continue;
        for (const s of r) {
          for (const m of s.messages) this.#start(str(m.id), m.message, 1);
        }
      }
      if (this.#held.size > 0) {
        await new Promise<void>((r) => this.#drained = r);
      }
    } finally {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#blk?.close();
      await this.#pool.shutdown();
      if (this.#held.size === 0) {
        // Leave the group tidy; a consumer with pending entries stays, so
        // that its tasks can be reclaimed.
        await this.#conn.run(async (c) => {
          const p = await c.xPendingRange(
            this.#keys.stream,
            GROUP,
            "-",
            "+",
            1,
            { consumer: this.#consumer },
          );
          if (p.length === 0) {
            await c.xGroupDelConsumer(this.#keys.stream, GROUP, this.#consumer);
          }
        }).catch(() => {});
      }
      this.#conn.close();
    }
  }

  /**
   * Takes one delivered entry (`delivery` 1 on its first delivery, more
   * when it is claimed again after its host died): it waits in the
   * backlog, unclaimed (its client can still cancel it), until it can be
   * claimed.
   */
  #start(
    entry: string,
    fields: Record<string, unknown>,
    delivery: number,
  ): void {
    let header: TaskHeader;
    try {
      header = decode(bytes(fields.m)) as TaskHeader;
    } catch (e) {
      console.error(`pyconc worker: dropping a malformed task ${entry}:`, e);
      this.#send({ entry });
      return;
    }
    this.#minVisibility = Math.min(this.#minVisibility, header.visibilityMs);
    this.#held.set(entry, { header });
    // Claimed ahead only on a first delivery, and only if a host's death
    // may use one of its retries (maxRetries ≥ 1).
    const ahead = delivery === 1 && header.maxRetries >= 1;
    this.#backlog.push([entry, header, bytes(fields.a), ahead]);
    this.#pump();
  }

  /**
   * Claims backlog entries while the pool can take them: one claim script
   * for all of them, and one claim in flight at a time, so that under load
   * the claims come in batches.
   *
   * A claim counts as a run: a host that dies uses up one retry of each
   * task it claimed. A task on its first delivery is claimed when it can
   * start now or wait on the pool behind at most `AHEAD` per slot (so a
   * host's death may charge a task queued behind the one that killed it,
   * once: a task delivered again is claimed only when a pool slot is free,
   * so it starts at once, and a task that keeps killing its hosts uses up
   * only its own retries).
   */
  #pump(): void {
    if (this.#claiming) return;
    const batch: Delivered[] = [];
    while (this.#backlog.length > 0) {
      const limit = this.#backlog[0]![3] ? this.#size * AHEAD : this.#size;
      if (this.#running + batch.length >= limit) break;
      batch.push(this.#backlog.shift()!);
    }
    if (batch.length === 0) return;
    this.#running += batch.length;
    this.#claiming = true;
    this.#claimBatch(batch).finally(() => {
      this.#claiming = false;
      this.#pump();
    });
  }

  /** A task claimed (or refused) is over: its slot is free. */
  #slotFree(): void {
    this.#running--;
    this.#pump();
  }

  async #claimBatch(batch: Delivered[]): Promise<void> {
    const keys = [this.#keys.state, this.#keys.runs];
    const argv: (string | Buffer)[] = [];
    for (const [, header] of batch) {
      keys.push(header.reply);
      const started = encode(["s", header.id] satisfies Reply).bytes;
      argv.push(
        header.id,
        buf(started.slice()),
        String(header.maxRetries),
      );
    }
    let codes: number[];
    try {
      codes = await CLAIM.run(this.#conn, keys, argv);
    } catch (e) {
      // Not claimed: the tasks stay pending and are claimed again later.
      console.error("pyconc worker: claiming tasks:", e);
      for (const [entry] of batch) {
        this.#release(entry);
        this.#running--;
      }
      return;
    }
    batch.forEach(([entry, header, args], i) => {
      const code = codes[i];
      if (code === 2) {
        this.#slotFree();
        const err = new BrokenExecutor(
          `Task ${header.id} was claimed ${
            header.maxRetries + 1
          } times by worker hosts that died before answering (maxRetries=${header.maxRetries})`,
        );
        this.#answer(entry, header, false, err);
      } else if (code !== 1) {
        this.#slotFree();
        this.#send({ entry }); // cancelled, or answered already
      } else {
        this.#run(header, args).then(([good, value]) => {
          this.#slotFree();
          this.#answer(entry, header, good, value);
        });
      }
    });
  }

  async #run(
    header: TaskHeader,
    args: Uint8Array,
  ): Promise<[boolean, unknown]> {
    try {
      const fn = localTarget(header.target) as (...a: unknown[]) => unknown;
      const list = decode(args) as unknown[];
      if (!header.chunk) return [true, await this.#pool.submit(fn, ...list)];
      const outcomes = await Promise.allSettled(
        (list as unknown[][]).map((a) => this.#pool.submit(fn, ...a)),
      );
      // The executor's ChunkOutcome: every call's value or error, and the
      // indices of the calls that failed.
      const values: unknown[] = [];
      const failed: number[] = [];
      outcomes.forEach((o, i) => {
        if (o.status === "fulfilled") values.push(o.value);
        else {
          values.push(o.reason);
          failed.push(i);
        }
      });
      return [true, [values, failed]];
    } catch (e) {
      return [false, e];
    }
  }

  #answer(
    entry: string,
    header: TaskHeader,
    ok: boolean,
    value: unknown,
  ): void {
    let out: Uint8Array;
    try {
      out = encode(value, "process").bytes.slice();
    } catch (e) {
      ok = false;
      out = encode(
        e instanceof TypeError ? e : new TypeError(String(e)),
        "process",
      ).bytes.slice();
    }
    const msg = buf(
      encode(["r", header.id, ok, out] satisfies Reply).bytes.slice(),
    );
    this.#send({ entry, id: header.id, reply: header.reply, msg });
  }

  /**
   * Sends answers: each batch in one transaction (replies pushed, state
   * deleted, entries acknowledged and deleted), one batch in flight at a
   * time; what comes meanwhile goes in the next batch.
   */
  #send(a: Answer): void {
    this.#outbox.push(a);
    if (!this.#sending) this.#flush();
  }

  #flush(): void {
    const batch = this.#outbox.splice(0);
    if (batch.length === 0) return;
    this.#sending = true;
    const { state, stream, runs } = this.#keys;
    const entries = batch.map((a) => a.entry);
    const ids = batch.flatMap((a) => a.id === undefined ? [] : [a.id]);
    const byReply = new Map<string, Buffer[]>();
    for (const a of batch) {
      if (a.reply === undefined) continue;
      let l = byReply.get(a.reply);
      if (l === undefined) byReply.set(a.reply, l = []);
      l.push(a.msg!);
    }
    this.#conn.run((c) => {
      const m = c.multi();
      for (const [key, msgs] of byReply) m.rPush(key, msgs);
      if (ids.length > 0) m.hDel(state, ids).hDel(runs, ids);
      return m.xAck(stream, GROUP, entries).xDel(stream, entries).exec();
    }).catch((e: unknown) => {
      // Not answered: the tasks stay pending and are claimed again later.
      console.error("pyconc worker: sending answers:", e);
    }).finally(() => {
      for (const e of entries) this.#release(e);
      this.#sending = false;
      this.#flush();
    });
  }

  #release(entry: string): void {
    this.#held.delete(entry);
    this.#room?.();
    if (this.#held.size === 0) this.#drained?.();
  }

  /** The heartbeat and reclaim timer. */
  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#tick().catch(() => {}).finally(() => {
        const v = this.#minVisibility;
        this.#schedule(
          v === Infinity ? 500 : Math.min(Math.max(v / 5, 50), 5000),
        );
      });
    }, ms);
  }

  async #tick(): Promise<void> {
    const { stream } = this.#keys;
    if (this.#held.size > 0) {
      // Heartbeat: our claims stay fresh (idle time reset, no new delivery).
      const ids = [...this.#held.keys()];
      await this.#conn.run((c) =>
        c.xClaimJustId(stream, GROUP, this.#consumer, 0, ids)
      );
    }
    if (this.#stopping) return;
    const minIdle = this.#minVisibility === Infinity ? 0 : this.#minVisibility;
    const pending = await this.#conn.run((c) =>
      c.xPendingRange(stream, GROUP, "-", "+", 100, { IDLE: minIdle })
    );
    for (const p of pending) {
      const entry = str(p.id);
      if (str(p.consumer) === this.#consumer || this.#held.has(entry)) continue;
      let header = this.#seen.get(entry);
      if (header === undefined) {
        const r = await this.#conn.run((c) => c.xRange(stream, entry, entry));
        if (r.length === 0) continue;
        header = decode(bytes(r[0].message.m)) as TaskHeader;
        this.#seen.set(entry, header);
        if (this.#seen.size > 10000) this.#seen.clear();
      }
      this.#minVisibility = Math.min(this.#minVisibility, header.visibilityMs);
      if (p.millisecondsSinceLastDelivery < header.visibilityMs) continue;
      if (this.#held.size >= this.#size * PREFETCH) break;
      const claimed = await this.#conn.run((c) =>
        c.xClaim(stream, GROUP, this.#consumer, header.visibilityMs, [entry])
      );
      const got = claimed.find((m: unknown) => m !== null);
      if (got === undefined) continue; // another host was first
      this.#seen.delete(entry);
      // The claim script counts the runs and fails it past maxRetries.
      this.#start(entry, got.message, p.deliveriesCounter + 1);
    }
  }
}
