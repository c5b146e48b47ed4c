/**
 * The constants of Python's `mmap` module, with Linux x86_64's values (the
 * platform the library's libc bindings target).
 *
 * @module
 */

/** Python's `mmap.ACCESS_DEFAULT`: the access follows `prot` (read-write by default). */
export const ACCESS_DEFAULT = 0;
/** Python's `mmap.ACCESS_READ`: a read-only map; writing methods throw TypeError. */
export const ACCESS_READ = 1;
/** Python's `mmap.ACCESS_WRITE`: a write-through map; changes reach the file. */
export const ACCESS_WRITE = 2;
/** Python's `mmap.ACCESS_COPY`: a private copy-on-write map; changes never reach the file. */
export const ACCESS_COPY = 3;

/** `MAP_SHARED`: changes are shared with every map of the file (the default). */
export const MAP_SHARED = 0x01;
/** `MAP_PRIVATE`: a private copy-on-write map. */
export const MAP_PRIVATE = 0x02;
/** `MAP_ANONYMOUS`: memory not backed by a file (implied by `fileno = -1`). */
export const MAP_ANONYMOUS = 0x20;
/** `MAP_ANON`: an alias of {@linkcode MAP_ANONYMOUS}. */
export const MAP_ANON = 0x20;
/** `MAP_DENYWRITE`: ignored by Linux, kept for Python's list. */
export const MAP_DENYWRITE = 0x0800;
/** `MAP_EXECUTABLE`: ignored by Linux, kept for Python's list. */
export const MAP_EXECUTABLE = 0x1000;
/** `MAP_NORESERVE`: reserve no swap space for the map. */
export const MAP_NORESERVE = 0x4000;
/** `MAP_POPULATE`: fault every page in when mapping (read-ahead for files). */
export const MAP_POPULATE = 0x8000;
/** `MAP_STACK`: a hint that the map is a stack. */
export const MAP_STACK = 0x20000;

/** `PROT_READ`: the pages can be read. */
export const PROT_READ = 0x1;
/** `PROT_WRITE`: the pages can be written. */
export const PROT_WRITE = 0x2;
/** `PROT_EXEC`: the pages can be executed. */
export const PROT_EXEC = 0x4;

/** The size of a memory page in bytes (Python's `mmap.PAGESIZE`). */
export const PAGESIZE = 4096;
/** The alignment a map's `offset` must have (Python's `mmap.ALLOCATIONGRANULARITY`). */
export const ALLOCATIONGRANULARITY = 4096;

/** `MADV_NORMAL`: no special treatment. */
export const MADV_NORMAL = 0;
/** `MADV_RANDOM`: expect random access (little read-ahead). */
export const MADV_RANDOM = 1;
/** `MADV_SEQUENTIAL`: expect sequential access (aggressive read-ahead). */
export const MADV_SEQUENTIAL = 2;
/** `MADV_WILLNEED`: the pages will be needed soon (read them ahead). */
export const MADV_WILLNEED = 3;
/** `MADV_DONTNEED`: the pages are not needed now (private pages are dropped). */
export const MADV_DONTNEED = 4;
/** `MADV_FREE`: the pages may be freed lazily (private anonymous maps). */
export const MADV_FREE = 8;
/** `MADV_REMOVE`: free the pages and their backing store (shared maps). */
export const MADV_REMOVE = 9;
/** `MADV_DONTFORK`: do not inherit the pages across fork. */
export const MADV_DONTFORK = 10;
/** `MADV_DOFORK`: undo {@linkcode MADV_DONTFORK}. */
export const MADV_DOFORK = 11;
/** `MADV_MERGEABLE`: allow kernel same-page merging. */
export const MADV_MERGEABLE = 12;
/** `MADV_UNMERGEABLE`: undo {@linkcode MADV_MERGEABLE}. */
export const MADV_UNMERGEABLE = 13;
/** `MADV_HUGEPAGE`: back the range with transparent huge pages. */
export const MADV_HUGEPAGE = 14;
/** `MADV_NOHUGEPAGE`: do not use transparent huge pages. */
export const MADV_NOHUGEPAGE = 15;
/** `MADV_DONTDUMP`: leave the pages out of core dumps. */
export const MADV_DONTDUMP = 16;
/** `MADV_DODUMP`: undo {@linkcode MADV_DONTDUMP}. */
export const MADV_DODUMP = 17;
/** `MADV_WIPEONFORK`: a forked child sees zeros here. */
export const MADV_WIPEONFORK = 18;
/** `MADV_KEEPONFORK`: undo {@linkcode MADV_WIPEONFORK}. */
export const MADV_KEEPONFORK = 19;
/** `MADV_COLD`: deactivate the pages (reclaim them first). */
export const MADV_COLD = 20;
/** `MADV_PAGEOUT`: reclaim the pages now. */
export const MADV_PAGEOUT = 21;
/** `MADV_POPULATE_READ`: fault the pages in, readable. */
export const MADV_POPULATE_READ = 22;
/** `MADV_POPULATE_WRITE`: fault the pages in, writable. */
export const MADV_POPULATE_WRITE = 23;
/**
 * `MADV_HWPOISON`: poison the pages (a test hook of the kernel). `madvise()`
 * refuses it: touching a poisoned page kills the process.
 */
export const MADV_HWPOISON = 100;
/** `MADV_SOFT_OFFLINE`: migrate the pages away from their physical memory. */
export const MADV_SOFT_OFFLINE = 101;
