import {
  hmac as nativeHmac,
  type NativeDigest,
  timingSafeEqual,
} from "../../_internal/digest.ts";
import { ValueError } from "../../_internal/errors.ts";
import { AuthenticationError } from "../errors.ts";
import type { Connection } from "../_connection_common.ts";

/*
 * CPython's HMAC challenge (Lib/multiprocessing/connection.py, 3.12+ with
 * the 3.11 fallback). The deliverer sends `#CHALLENGE#{sha256}` + 40 random
 * bytes; the answerer replies `{digest}` + HMAC(authkey, whole message
 * after `#CHALLENGE#`), or, to a bare 20-byte challenge (a 3.11 deliverer),
 * a bare 16-byte HMAC-MD5; the deliverer accepts either form and answers
 * `#WELCOME#` or `#FAILURE#`. Every message is read with maxlength 256, so a
 * peer cannot make either side read more.
 */

const CHALLENGE = ascii("#CHALLENGE#");
const WELCOME = ascii("#WELCOME#");
const FAILURE = ascii("#FAILURE#");
const MESSAGE_LENGTH = 40;
const MD5ONLY_MESSAGE_LENGTH = 20;
const MD5_DIGEST_LEN = 16;
/** Python's digest names and node's. */
const DIGESTS: Record<string, string> = {
  md5: "md5",
  sha256: "sha256",
  sha384: "sha384",
  sha3_256: "sha3-256",
  sha3_384: "sha3-384",
};
const MAX_DIGEST_LEN = 8;

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function decodeAscii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  return a.length >= prefix.length &&
    equal(a.subarray(0, prefix.length), prefix);
}

type CreateHmac = (
  name: string,
  key: Uint8Array,
) => { update(m: Uint8Array): { digest(): Uint8Array } };

/**
 * HMAC with a digest of CPython's list: MD5 and SHA-256 (the defaults of
 * 3.11 and 3.12+) computed here; the others by `node:crypto`, loaded only
 * then (its load costs tens of ms: see `_internal/digest.ts`).
 */
function hmac(authkey: Uint8Array, message: Uint8Array, digest: string) {
  if (digest === "md5" || digest === "sha256") {
    return nativeHmac(digest as NativeDigest, authkey, message);
  }
  const proc = (globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
  }).process;
  const node = proc?.getBuiltinModule?.("node:crypto") as
    | { createHmac: CreateHmac }
    | undefined;
  if (node === undefined) {
    throw new AuthenticationError(`unsupported digest '${digest}'`);
  }
  return new Uint8Array(
    node.createHmac(DIGESTS[digest]!, authkey).update(message).digest(),
  );
}

/** `_get_digest_name_and_payload`: "" means the legacy (MD5, bare) form. */
function digestAndPayload(message: Uint8Array): [string, Uint8Array] {
  if (
    message.length === MD5ONLY_MESSAGE_LENGTH ||
    message.length === MD5_DIGEST_LEN
  ) {
    return ["", message];
  }
  if (message[0] === 0x7b /* { */) {
    const curly = message.subarray(0, MAX_DIGEST_LEN + 2).indexOf(0x7d, 1);
    if (curly > 0) {
      const name = decodeAscii(message.subarray(1, curly));
      if (Object.hasOwn(DIGESTS, name)) {
        return [name, message.subarray(curly + 1)];
      }
    }
  }
  throw new AuthenticationError(
    "unsupported message length, missing digest prefix, or unsupported digest",
  );
}

/** `_create_response`: the answer to a challenge's payload. */
function createResponse(authkey: Uint8Array, message: Uint8Array): Uint8Array {
  const [name] = digestAndPayload(message);
  if (name === "") return hmac(authkey, message, "md5");
  return concat(ascii(`{${name}}`), hmac(authkey, message, name));
}

/** `_verify_challenge`: throws AuthenticationError unless `response` is right. */
function verify(
  authkey: Uint8Array,
  message: Uint8Array,
  response: Uint8Array,
): void {
  const [name, mac] = digestAndPayload(response);
  const expected = hmac(authkey, message, name || "md5");
  if (expected.length !== mac.length) {
    throw new AuthenticationError(
      `expected '${
        name || "md5"
      }' of length ${expected.length} got ${mac.length}`,
    );
  }
  if (!timingSafeEqual(expected, mac)) {
    throw new AuthenticationError("digest received was wrong");
  }
}

function checkKey(authkey: unknown): Uint8Array {
  if (!(authkey instanceof Uint8Array)) {
    throw new ValueError(
      `Authkey must be bytes (a Uint8Array), not ${typeof authkey}`,
    );
  }
  return authkey;
}

/**
 * The deliverer's side written once over a step function, so the async
 * and Sync forms are one algorithm: each yield is an I/O request.
 */
function* delivering(
  authkey: Uint8Array,
): Generator<["send", Uint8Array] | ["recv"], void, Uint8Array | undefined> {
  const random = crypto.getRandomValues(new Uint8Array(MESSAGE_LENGTH));
  const message = concat(ascii("{sha256}"), random);
  yield ["send", concat(CHALLENGE, message)];
  const response = (yield ["recv"])!;
  try {
    verify(authkey, message, response);
  } catch (e) {
    yield ["send", FAILURE];
    throw e;
  }
  yield ["send", WELCOME];
}

function* answering(
  authkey: Uint8Array,
): Generator<["send", Uint8Array] | ["recv"], void, Uint8Array | undefined> {
  let message = (yield ["recv"])!;
  if (!startsWith(message, CHALLENGE)) {
    throw new AuthenticationError("Protocol error, expected challenge");
  }
  message = message.subarray(CHALLENGE.length);
  if (message.length < MD5ONLY_MESSAGE_LENGTH) {
    throw new AuthenticationError(
      `challenge too short: ${message.length} bytes`,
    );
  }
  yield ["send", createResponse(authkey, message)];
  const response = (yield ["recv"])!;
  if (!equal(response, WELCOME)) {
    throw new AuthenticationError("digest sent was rejected");
  }
}

type Steps = ReturnType<typeof delivering>;

async function runAsync(conn: Connection, g: Steps): Promise<void> {
  let r = g.next();
  while (!r.done) {
    const step = r.value;
    let value: Uint8Array | undefined;
    try {
      if (step[0] === "send") await conn.sendBytes(step[1]);
      else value = await conn.recvBytes(256);
    } catch (e) {
      r = g.throw(e);
      continue;
    }
    r = g.next(value);
  }
}

function runSync(conn: Connection, g: Steps): void {
  let r = g.next();
  while (!r.done) {
    const step = r.value;
    let value: Uint8Array | undefined;
    try {
      if (step[0] === "send") conn.sendBytesSync(step[1]);
      else value = conn.recvBytesSync(256);
    } catch (e) {
      r = g.throw(e);
      continue;
    }
    r = g.next(value);
  }
}

/**
 * Python's `deliver_challenge(connection, authkey)`: sends a random
 * challenge and checks the peer's HMAC of it (the listener's side).
 * Accepts CPython 3.12+'s `{digest}`-prefixed answers and 3.11's bare
 * HMAC-MD5.
 *
 * @param conn A connection (a socket's or a `Pipe`'s).
 * @param authkey The shared key.
 * @throws {AuthenticationError} If the answer is wrong (the peer is told
 *   `#FAILURE#`).
 * @throws {ValueError} If `authkey` is not a Uint8Array.
 *
 * @example Both sides of the challenge
 * ```ts
 * import {
 *   answerChallenge,
 *   Client,
 *   deliverChallenge,
 *   Listener,
 * } from "@pyconc/std/multiprocessing/connection";
 * import assert from "node:assert/strict";
 *
 * const key = new TextEncoder().encode("secret");
 * using listener = new Listener();
 * using client = await Client(listener.address);
 * using server = await listener.accept();
 * await Promise.all([
 *   deliverChallenge(server, key),
 *   answerChallenge(client, key),
 * ]);
 * assert.equal(server.closed, false);
 * ```
 */
export function deliverChallenge(
  conn: Connection,
  authkey: Uint8Array,
): Promise<void> {
  return runAsync(conn, delivering(checkKey(authkey)));
}

/** Like {@linkcode deliverChallenge}, blocking the calling thread. */
export function deliverChallengeSync(
  conn: Connection,
  authkey: Uint8Array,
): void {
  runSync(conn, delivering(checkKey(authkey)));
}

/**
 * Python's `answer_challenge(connection, authkey)`: answers the peer's
 * challenge (the client's side): `{digest}` + HMAC for a 3.12+ challenge,
 * a bare HMAC-MD5 for a 3.11 one.
 *
 * @param conn A connection (a socket's or a `Pipe`'s).
 * @param authkey The shared key.
 * @throws {AuthenticationError} If the peer rejects the answer, or sends
 *   something other than a challenge.
 * @throws {ValueError} If `authkey` is not a Uint8Array.
 *
 * @example A wrong key fails on both sides
 * ```ts
 * import {
 *   answerChallenge,
 *   AuthenticationError,
 *   Client,
 *   deliverChallenge,
 *   Listener,
 * } from "@pyconc/std/multiprocessing/connection";
 * import assert from "node:assert/strict";
 *
 * using listener = new Listener();
 * using client = await Client(listener.address);
 * using server = await listener.accept();
 * const [a, b] = await Promise.allSettled([
 *   deliverChallenge(server, new Uint8Array([1])),
 *   answerChallenge(client, new Uint8Array([2])),
 * ]);
 * assert.ok(a.status === "rejected" && a.reason instanceof AuthenticationError);
 * assert.ok(b.status === "rejected" && b.reason instanceof AuthenticationError);
 * ```
 */
export function answerChallenge(
  conn: Connection,
  authkey: Uint8Array,
): Promise<void> {
  return runAsync(conn, answering(checkKey(authkey)));
}

/** Like {@linkcode answerChallenge}, blocking the calling thread. */
export function answerChallengeSync(
  conn: Connection,
  authkey: Uint8Array,
): void {
  runSync(conn, answering(checkKey(authkey)));
}
