/**
 * The adaptive bounded spin a waiter runs before it sleeps on a futex
 * (`WaitWords.wait`, the locks, the manager's shared-memory channel
 * `_shm_layout.ts`), since a futex wake-up on a loaded machine costs far
 * more than the answer usually takes. It is bounded in time, waits on any
 * predicate, yields the CPU between rounds (so that on a loaded 2-core
 * machine a spinner does not hold the CPU its peer needs), and has an
 * async form that lets microtasks run.
 *
 * @module
 */

import { libc, loadedLibc } from "../ffi/libc.ts";

/**
 * Gives the CPU to a runnable thread (sched_yield), bound on first use:
 * through the libc this thread has already opened, else only if FFI is
 * permitted (threading and queue never ask for it; without it this is a
 * no-op and a spin is only bounded in time). Picked outside the spin's
 * timed yield: the permission query costs ≈ 0.8 ms on its first call, which
 * the spin would take for a lost CPU.
 */
let yieldCpu: (() => unknown) | undefined;
function pickYield(): () => unknown {
  const loaded = loadedLibc();
  if (loaded !== undefined) return loaded.sched_yield;
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted"
    ? libc().sched_yield
    : () => {};
}

/**
 * The bounds (µs) of a waiting side's adaptive spin (see `Spin`). Measured
 * on the shared 2-core VM (`d[k] = v`, Sync, 20k calls, load 4–12): the
 * median round trip is 10–24 µs with both sides spinning (a pure `Pipe`
 * ping-pong: 18–26 µs), CPython's 45–65 µs. A 300 µs bound ran at about
 * half the rate of 100 µs; 30–50 µs no better than 100. With no spin
 * (futex sleeps only) the rate swung from 25–28k ops/s (better than 100
 * µs: fewer time slices lost at the tail) to 2.8k ops/s (a futex wake-up
 * took 0.8 ms at the 90th percentile) depending on the host's load, and
 * the CPU yield between rounds (sched_yield) doubled the rate at load 5.
 */
const SPIN_MIN_US = 2;
const SPIN_MAX_US = 100;
/**
 * How long (µs) a spin runs before it starts yielding the CPU, at most. A
 * sched_yield costs a system call (1–2.5 µs on the measured VM) and the
 * answer that comes meanwhile waits for it: with the peer on the other
 * CPU, yielding from the first round put ≈ 3 µs on the median round trip
 * (10.5 → 7 µs without; 4.6 µs with the server's same-turn replies). But
 * when the peer waits for this very CPU (a loaded machine), each µs spun
 * before the first yield delays it (the median grew by as much): a yield
 * that took long (the CPU went to another thread, `YIELD_LOST_US`) shows
 * that, and the next spins yield at once, their free start growing back
 * one µs per spin that caught its wait.
 */
const FREE_MAX_US = 8;
/**
 * A yield that took longer than this (µs) gave the CPU to another thread
 * (20 µs missed the case that matters: the peer ran for a few µs on this
 * CPU and yielded back; the median round trip then grew by the free start).
 */
const YIELD_LOST_US = 5;
/**
 * An adaptive bounded spin, as glibc's adaptive mutexes: it doubles after
 * a spin that saw the wait end (the peer answers fast, on another CPU) and
 * halves after one that had to sleep anyway (a slow peer, or a loaded
 * machine where the peer waits for this CPU), and it yields the CPU
 * between rounds, so a runnable peer gets it.
 */
export class Spin {
  /** The longest spin (µs). */
  readonly #max: number;
  /** How long the next spin runs at most (µs; adapted by outcome). */
  #us: number;
  /** When the last spin started. */
  #t0 = 0;
  /** How long the next spin runs before it yields (µs). */
  #free = FREE_MAX_US;
  /**
   * A yield of this spin lost the CPU: the machine has more runnable
   * threads than CPUs, where a spinning side spends its share of CPU time
   * and the scheduler then preempts it for milliseconds (on a load of 7–11
   * on the 2-core VM, 0.5–1.5 % of round trips took over 1 ms: half of
   * the time). The spin ends and the next ones start from the shortest
   * bound: the side sleeps in the kernel, as CPython's do, and a sleeper
   * is scheduled promptly when woken (calls over 1 ms fell 2–4×; the rate
   * rose 5–30 %). On a quiet machine a yield returns at once and this
   * never happens.
   */
  #lost = false;

  /** @param maxUs The longest spin (µs). */
  constructor(maxUs = SPIN_MAX_US) {
    this.#max = this.#us = maxUs;
  }

  /** Yields the CPU; notes whether another thread took it meanwhile (`#lost`). */
  #yield(): void {
    const f = yieldCpu ??= pickYield();
    const t = performance.now();
    f();
    if ((performance.now() - t) * 1000 > YIELD_LOST_US) {
      this.#free = 0;
      this.#lost = true;
    }
  }

  /** A spin saw the wait end: the next may spin a little longer unyielded. */
  #caught(limit: number): true {
    this.#lost = false;
    this.#us = Math.min(this.#max, limit * 2);
    if (this.#free < FREE_MAX_US) this.#free++;
    return true;
  }

  /**
   * Spins until `ready()` or the bound, or until `stop()` (a wait that
   * spinning cannot shorten); whether it became ready.
   */
  run(ready: () => boolean, stop?: () => boolean): boolean {
    const limit = this.#us, t0 = this.#t0 = performance.now();
    for (;;) {
      if (stop?.()) {
        this.#t0 = -Infinity; // not the spin's failure: no woke() either
        return false;
      }
      for (let i = 0; i < 32; i++) if (ready()) return this.#caught(limit);
      const us = (performance.now() - t0) * 1000;
      if (us > limit || this.#lost) break;
      if (us >= this.#free) this.#yield();
    }
    this.#us = this.#lost ? SPIN_MIN_US : Math.max(SPIN_MIN_US, limit / 2);
    this.#lost = false;
    return false;
  }

  /**
   * Like {@linkcode run}, letting the thread's microtasks run between
   * rounds (the server's handlers finish their replies meanwhile).
   */
  async runAsync(
    ready: () => boolean,
    tick: (elapsedUs: number) => void,
  ): Promise<boolean> {
    const limit = this.#us, t0 = this.#t0 = performance.now();
    for (let round = 0;; round++) {
      for (let i = 0; i < 32; i++) if (ready()) return this.#caught(limit);
      const us = (performance.now() - t0) * 1000;
      if (us > limit || this.#lost) break;
      tick(us);
      await null;
      if ((round & 7) === 7 && us >= this.#free) this.#yield();
    }
    this.#us = this.#lost ? SPIN_MIN_US : Math.max(SPIN_MIN_US, limit / 2);
    this.#lost = false;
    return false;
  }

  /**
   * After the sleep that followed a failed spin ended with the wait over:
   * had the spin lasted as long, would it have caught it? Then spin that
   * long next time (else a spin shrunk by one slow answer would stay
   * short while the peer answers fast again).
   */
  woke(): void {
    const us = (performance.now() - this.#t0) * 1000;
    if (us <= this.#max) {
      this.#us = Math.min(this.#max, Math.max(this.#us, us * 1.5));
    }
  }
}
