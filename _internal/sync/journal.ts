/**
 * An undo journal for the multi-word updates of a shared structure, so
 * that a process killed in the middle of one leaves nothing half-done.
 *
 * Before a word of the structure is overwritten, its index and old value
 * are appended to the journal (the entry first, then the entry count, so
 * an entry is never counted before it is complete); the update commits by
 * setting the count to 0, one store. The structure's lock is robust (see
 * robust_lock.ts): whoever takes it over from a dead owner finds the
 * journal non-empty exactly when the owner died mid-update, and rolls the
 * update back, newest entry first, to the state before it began.
 *
 * Words written outside the structure's visible state (an item's slot
 * beyond the count, a block above the heap's top) need no entry: they
 * become visible only through a journaled word.
 *
 * Plain stores, in program order: what matters is the order in which a
 * killed process's stores reached memory, and V8 keeps typed-array stores
 * in program order, as x86-64 keeps stores in order (the taker reads them
 * after its compare-and-swap on the lock word). An `Atomics.store` per
 * entry cost an allocation + free on the shared heap ≈ 2× (measured).
 *
 * A journal over in-process memory is disabled: no thread dies alone
 * there, and an update never throws half-way.
 *
 * @module
 */

let stepsLeft = 0;

/**
 * @internal Test hook: SIGKILLs this process at the `n`th journal step
 * from now. Each entry and each commit is two steps (before and after its
 * stores), so `n = 1, 2, …` kills a process at every instant that matters
 * of an update (tests/multiprocessing/robust_test.ts).
 */
export function killAtJournalStep(n: number): void {
  stepsLeft = n;
}

function step(): void {
  if (--stepsLeft === 0) Deno.kill(Deno.pid, "SIGKILL");
}

/** Words a journal of `entries` entries takes. */
export function journalWords(entries: number): number {
  return 1 + 2 * entries;
}

/** An undo journal in `journalWords(entries)` words of a view. */
export class Journal {
  readonly #a: Int32Array;
  readonly #b: number;
  readonly #cap: number;
  readonly #on: boolean;

  /**
   * @param a The words holding the journal.
   * @param base Index of its first word.
   * @param entries How many entries it holds (the most one update writes).
   * @param enabled False for in-process memory (nothing is noted).
   */
  constructor(a: Int32Array, base: number, entries: number, enabled = true) {
    this.#a = a;
    this.#b = base;
    this.#cap = entries;
    this.#on = enabled;
  }

  /** Records that word `index` holds `old`; call before overwriting it. */
  note(index: number, old: number): void {
    if (!this.#on) return;
    if (stepsLeft !== 0) step();
    const a = this.#a, b = this.#b, n = a[b]!;
    if (n >= this.#cap) {
      throw new Error("pyconc: internal journal overflow");
    }
    a[b + 1 + 2 * n] = index;
    a[b + 2 + 2 * n] = old;
    a[b] = n + 1; // after the entry: never counted before it is complete
    if (stepsLeft !== 0) step();
  }

  /** Whether an update is under way (or was left unfinished). */
  pending(): boolean {
    return this.#a[this.#b] !== 0;
  }

  /** Commits the update: one store. */
  commit(): void {
    if (!this.#on) return;
    if (stepsLeft !== 0) step();
    this.#a[this.#b] = 0;
    if (stepsLeft !== 0) step();
  }

  /**
   * Undoes an unfinished update, newest entry first.
   * @param write Writes `old` back to word `index`.
   * @returns how many words were restored.
   */
  rollback(write: (index: number, old: number) => void): number {
    const a = this.#a, b = this.#b;
    const n = Math.min(Atomics.load(a, b), this.#cap);
    for (let k = n - 1; k >= 0; k--) {
      write(a[b + 1 + 2 * k]!, a[b + 2 + 2 * k]!);
    }
    Atomics.store(a, b, 0);
    return n;
  }
}
