/**
 * Making a pool's work items, the same for every pool (threads or
 * processes): a target block per callable, chained to the pool's region
 * (freed with it), and a future's region holding the target and the
 * encoded arguments, which a small result later replaces.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import type { WaitWords } from "../sync/words.ts";
import { F, FTag, MIN_ARGS_BYTES, T, X } from "./layout.ts";
import type { PoolCore } from "./pool_core.ts";

/**
 * Stores an encoded target spec as a block chained to the pool's region.
 * @returns the block (what `F.TARGET` names).
 */
export function newTargetBlock(core: PoolCore, bytes: Uint8Array): number {
  const h = core.h, x = core.x;
  const t = h.alloc(T.WORDS * 4 + bytes.length, false);
  const words = h.int32(t, T.WORDS);
  words[T.NEXT] = x.load(X.TARGETS);
  words[T.LEN] = bytes.length;
  h.u8.set(bytes, t * 16 + T.WORDS * 4);
  x.store(X.TARGETS, t);
  return t;
}

/**
 * A work item: a future's region with the target, the SharedArrayBuffer
 * ids and the encoded arguments, two references (the future's and the
 * queue's), reporting to `port`. Nobody else sees it before the queue's put.
 */
export function newWorkItem(
  h: Heap,
  target: number,
  bytes: Uint8Array,
  sabIds: readonly number[],
  chunk: boolean,
  port: number,
): { ptr: number; w: WaitWords } {
  const n = sabIds.length;
  // Room for the arguments, which a small result replaces (INLINE).
  const ptr = h.allocObject(
    FTag.FUTURE,
    F.WORDS + n + Math.ceil(Math.max(bytes.length, MIN_ARGS_BYTES) / 4),
  );
  const w = h.words(ptr, F.WORDS + n);
  // Plain writes: no other thread sees the region before the queue's put,
  // whose atomic operations publish them.
  const i32 = w.i32;
  for (let i = 0; i < n; i++) i32[F.WORDS + i] = sabIds[i]!;
  h.u8.set(bytes, ptr * 16 + (F.WORDS + n) * 4);
  i32[F.TARGET] = target;
  i32[F.N_SABS] = n;
  i32[F.ARGS_LEN] = bytes.length;
  if (chunk) i32[F.CHUNK] = 1;
  i32[F.PORT] = port;
  h.retain(ptr); // the work item's reference (the future holds the other)
  return { ptr, w };
}
