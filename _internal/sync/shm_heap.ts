/**
 * The program's cross-process heap: one shared memory segment that every
 * process of a program maps (see shm.ts), holding every multiprocessing
 * object.
 *
 * The main process creates it on first use; a child process attaches the
 * one its parent names (`installShmHeap`, called by the process bootstrap
 * before user code). Every thread of a process finds its name in the
 * in-process heap, so Workers attach the same segment.
 *
 * @module
 */

import { Heap, heap, Root } from "./heap.ts";
import { SHM_HEAP_BYTES, ShmBacking, ShmSegment } from "./shm.ts";

let current: Heap | undefined;
let onCreate: (name: string) => void = () => {};

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Sets what happens when this process creates the heap segment (the
 * resource tracker registers it for unlinking).
 */
export function setOnShmHeapCreated(fn: (name: string) => void): void {
  onCreate = fn;
}

/** The name this process's threads agreed on, if any. */
function publishedName(): string | undefined {
  const h = heap();
  const block = h.root(Root.SHM_HEAP_NAME);
  if (block === 0) return undefined;
  const len = h.int32(block, 1)[0]!;
  return utf8Decoder.decode(h.bytes(block, 4 + len).slice(4));
}

/** Publishes a name for this process's threads; returns the winner's. */
function publish(name: string): string {
  const h = heap();
  const bytes = utf8.encode(name);
  const block = h.alloc(4 + bytes.length);
  h.int32(block, 1)[0] = bytes.length;
  h.bytes(block, 4 + bytes.length).set(bytes, 4);
  const winner = h.setRoot(Root.SHM_HEAP_NAME, block);
  if (winner !== block) {
    h.free(block);
    return publishedName()!;
  }
  return name;
}

/** A fresh segment name, unique per program and process. */
function freshName(): string {
  const rand = crypto.getRandomValues(new Uint32Array(2));
  return `/pyconc-${Deno.pid}-${rand[0]!.toString(36)}${rand[1]!.toString(36)}`;
}

/**
 * The program's cross-process heap: attached (by the name the process
 * bootstrap installed, or another thread published) or created.
 * @throws {PermissionError} Without `--allow-ffi`.
 */
export function shmHeap(): Heap {
  if (current !== undefined) return current;
  const known = publishedName();
  if (known !== undefined) {
    current = new Heap(new ShmBacking(ShmSegment.open(known, 0, false, false)));
    return current;
  }
  const name = freshName();
  const segment = ShmSegment.open(name, SHM_HEAP_BYTES, true, false);
  const winner = publish(name);
  if (winner !== name) {
    // Another thread of this process made one first: use it.
    segment.close();
    ShmSegment.unlink(name);
    current = new Heap(
      new ShmBacking(ShmSegment.open(winner, 0, false, false)),
    );
    return current;
  }
  current = new Heap(new ShmBacking(segment));
  onCreate(name);
  return current;
}

/** The heap segment's name (creating the heap if needed). */
export function shmHeapName(): string {
  shmHeap();
  return publishedName()!;
}

/** Attaches the parent's heap in a child process, before any user code. */
export function installShmHeap(name: string): Heap {
  publish(name);
  current = new Heap(new ShmBacking(ShmSegment.open(name, 0, false, false)));
  return current;
}

/** Whether this process has the cross-process heap already. */
export function hasShmHeap(): boolean {
  return current !== undefined || publishedName() !== undefined;
}
