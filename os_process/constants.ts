/**
 * The constants of Python's `os` that the process functions take, with Linux
 * x86_64's values.
 *
 * @module
 */

/** `P_WAIT`: `spawn*()` waits for the child and returns its exit code. */
export const P_WAIT = 0;
/** `P_NOWAIT`: `spawn*()` returns the child's pid at once (reap it with `waitpid`). */
export const P_NOWAIT = 1;
/** `P_NOWAITO`: the same as {@linkcode P_NOWAIT} on Unix, as in Python. */
export const P_NOWAITO = 1;

/** `WNOHANG`: `waitpid()` returns `[0, 0]` at once if no child has changed state. */
export const WNOHANG = 1;
/** `WUNTRACED`: `waitpid()` also reports stopped children. */
export const WUNTRACED = 2;
/** `WCONTINUED`: `waitpid()` also reports children continued by SIGCONT. */
export const WCONTINUED = 8;

/** `O_RDONLY`: open for reading only. */
export const O_RDONLY = 0;
/** `O_WRONLY`: open for writing only. */
export const O_WRONLY = 1;
/** `O_RDWR`: open for reading and writing. */
export const O_RDWR = 2;
/** `O_ACCMODE`: the mask of the three access modes. */
export const O_ACCMODE = 3;
/** `O_CREAT`: create the file if it does not exist. */
export const O_CREAT = 0o100;
/** `O_EXCL`: with `O_CREAT`, fail if the file exists. */
export const O_EXCL = 0o200;
/** `O_NOCTTY`: do not make a terminal the controlling terminal. */
export const O_NOCTTY = 0o400;
/** `O_TRUNC`: truncate the file to length 0. */
export const O_TRUNC = 0o1000;
/** `O_APPEND`: every write appends. */
export const O_APPEND = 0o2000;
/** `O_NONBLOCK`: non-blocking I/O. */
export const O_NONBLOCK = 0o4000;
/** `O_NDELAY`: an alias of {@linkcode O_NONBLOCK}. */
export const O_NDELAY = 0o4000;
/** `O_DSYNC`: writes wait for the data to reach the device. */
export const O_DSYNC = 0o10000;
/** `O_ASYNC`: signal-driven I/O. */
export const O_ASYNC = 0o20000;
/** `O_DIRECT`: bypass the page cache. */
export const O_DIRECT = 0o40000;
/** `O_LARGEFILE`: 0 on 64-bit Linux (files are always large). */
export const O_LARGEFILE = 0;
/** `O_DIRECTORY`: fail unless the path is a directory. */
export const O_DIRECTORY = 0o200000;
/** `O_NOFOLLOW`: fail if the path is a symbolic link. */
export const O_NOFOLLOW = 0o400000;
/** `O_NOATIME`: do not update the access time. */
export const O_NOATIME = 0o1000000;
/** `O_CLOEXEC`: close on exec (`open()` always adds it, as Python's `os.open`). */
export const O_CLOEXEC = 0o2000000;
/** `O_SYNC`: writes wait for data and metadata to reach the device. */
export const O_SYNC = 0o4010000;
/** `O_FSYNC`: an alias of {@linkcode O_SYNC}. */
export const O_FSYNC = 0o4010000;
/** `O_RSYNC`: an alias of {@linkcode O_SYNC} on Linux. */
export const O_RSYNC = 0o4010000;
/** `O_PATH`: a descriptor for the path only (no reading or writing). */
export const O_PATH = 0o10000000;
/** `O_TMPFILE`: an unnamed temporary file in the given directory. */
export const O_TMPFILE = 0o20200000;
