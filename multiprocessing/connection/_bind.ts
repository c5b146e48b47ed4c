/**
 * Binding a listening socket, apart from the `Listener` class: a manager's
 * server binds and reports its address before it loads the wire (pickle,
 * connections, the challenge), which it needs only to serve, and then
 * hands the socket to a `Listener` (see `adoptListener` in listener.ts).
 *
 * @module
 */

import {
  type Address,
  checkFamily,
  type Family,
  familyOf,
  listenOn,
  type Sock,
  unlinkPath,
} from "../../_internal/net/socket.ts";
import { onProcessExit } from "../../_internal/process/exit.ts";

/**
 * Socket files of listeners still open: unlinked when the process ends
 * (Python's listener registers the same with `util.Finalize`).
 */
export const openPaths: Set<string> = new Set();
onProcessExit(() => {
  for (const path of openPaths) unlinkPath(path);
  openPaths.clear();
});

let counter = 0;

/** Python's `arbitrary_address('AF_UNIX')`: a fresh path. */
function freshPath(): string {
  const tmp = Deno.env.get("TMPDIR") || "/tmp";
  const rand = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
  return `${tmp}/pyconc-listener-${Deno.pid}-${++counter}-${rand}`;
}

/** A socket bound and listening, as a `Listener` binds it. */
export interface Bound {
  readonly sock: Sock;
  readonly family: Family;
  /** The address as bound (for AF_INET, the real port). */
  readonly address: Address;
  /** The socket file to unlink at close (registered in `openPaths`). */
  readonly unlink: string | null;
}

/**
 * Binds and listens as `new Listener({ address, family, backlog })` does:
 * the family the address implies (AF_UNIX without one), a fresh socket
 * path or `["localhost", 0]` without an address.
 * @throws {OSError} If the address cannot be bound.
 * @throws {ValueError} If `family` is unknown.
 */
export function bindListening(
  address: Address | undefined,
  family: Family | undefined,
  backlog: number,
): Bound {
  const fam = checkFamily(
    family ?? (address !== undefined ? familyOf(address) : "AF_UNIX"),
  );
  const where = address ??
    (fam === "AF_UNIX" ? freshPath() : ["localhost", 0] as const);
  const sock = listenOn(fam, where, backlog);
  const unlink = fam === "AF_UNIX" && typeof where === "string" &&
      !where.startsWith("\0")
    ? where
    : null;
  if (unlink !== null) openPaths.add(unlink);
  let bound: Address;
  try {
    bound = sock.localAddress();
  } catch (e) {
    sock.close();
    if (unlink !== null) {
      openPaths.delete(unlink);
      unlinkPath(unlink);
    }
    throw e;
  }
  return { sock, family: fam, address: bound, unlink };
}

/** Closes a bound socket no `Listener` took, and unlinks its file. */
export function closeBound(b: Bound): void {
  try {
    b.sock.close();
  } finally {
    if (b.unlink !== null) {
      openPaths.delete(b.unlink);
      unlinkPath(b.unlink);
    }
  }
}
