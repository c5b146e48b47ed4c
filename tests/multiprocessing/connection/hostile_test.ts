/**
 * The HMAC challenge (both of CPython's forms) and hostile peers: a raw
 * socket sending garbage, huge length prefixes, truncated frames, malformed
 * pickles or nothing at all costs only its own connection.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  answerChallenge,
  answerChallengeSync,
  AuthenticationError,
  Client,
  deliverChallenge,
  deliverChallengeSync,
  EOFError,
  Listener,
  OSError,
  UnpicklingError,
} from "../../../multiprocessing/connection/mod.ts";
import { ValueError } from "../../../_internal/errors.ts";
import { Process } from "../../../multiprocessing/mod.ts";

const MOD =
  new URL("../../../multiprocessing/connection/mod.ts", import.meta.url)
    .href;
import { b, decoder, leakTest, pair } from "./_helpers.ts";

const KEY = b("the key");

/** A length-prefixed frame, as CPython writes it. */
function frame(body: Uint8Array, length = body.length): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, length);
  out.set(body, 4);
  return out;
}

/** A raw (Deno) socket to a Unix listener. */
function raw(l: Listener): Promise<Deno.UnixConn> {
  return Deno.connect({ transport: "unix", path: l.address as string });
}

/** Reads one frame from a raw socket. */
async function readFrame(conn: Deno.Conn): Promise<Uint8Array> {
  const header = new Uint8Array(4);
  await readFull(conn, header);
  const body = new Uint8Array(new DataView(header.buffer).getInt32(0));
  await readFull(conn, body);
  return body;
}

async function readFull(conn: Deno.Conn, buf: Uint8Array): Promise<void> {
  let at = 0;
  while (at < buf.length) {
    const n = await conn.read(buf.subarray(at));
    if (n === null) throw new Error("raw socket: end of file");
    at += n;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

const hmac = (alg: string, key: Uint8Array, msg: Uint8Array) =>
  new Uint8Array(createHmac(alg, key).update(msg).digest());

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

leakTest(
  "authkey: Listener and Client with the same key talk, async and Sync",
  async () => {
    using l = new Listener({ authkey: KEY });
    const [s, c] = await Promise.all([
      l.accept(),
      Client(l.address, { authkey: KEY }),
    ]);
    await c.send("authenticated");
    assert.equal(await s.recv(), "authenticated");
    s.close();
    c.close();
    // A Sync client (in another process) against an async accept, and
    // acceptSync against it.
    for (const syncAccept of [false, true]) {
      const p = new Process({
        target: async (mod: string, address: string, key: Uint8Array) => {
          const { ClientSync } = await import(mod);
          using conn = ClientSync(address, { authkey: key });
          conn.sendSync(conn.recvSync());
        },
        args: [MOD, l.address as string, KEY],
      });
      p.start();
      using s2 = syncAccept ? l.acceptSync() : await l.accept();
      s2.sendSync([1, 2]);
      assert.deepEqual(await s2.recv(), [1, 2]);
      await p.join();
      assert.equal(p.exitcode, 0);
    }
  },
);

leakTest(
  "authkey: a wrong key fails on both sides; the listener keeps serving",
  async () => {
    using l = new Listener({ authkey: KEY });
    const [server, client] = await Promise.allSettled([
      l.accept(),
      Client(l.address, { authkey: b("wrong") }),
    ]);
    assert.ok(server.status === "rejected");
    assert.ok(server.reason instanceof AuthenticationError);
    assert.match(server.reason.message, /digest received was wrong/);
    assert.ok(client.status === "rejected");
    assert.ok(client.reason instanceof AuthenticationError);
    // A client with no key at all: it reads the challenge as a message.
    const s2 = l.accept();
    const c2 = await Client(l.address);
    assert.equal(
      decoder.decode((await c2.recvBytes()).subarray(0, 11)),
      "#CHALLENGE#",
    );
    c2.close(); // never answers: the server sees end-of-file
    await assert.rejects(s2, EOFError);
    const [s3, c3] = await Promise.all([
      l.accept(),
      Client(l.address, { authkey: KEY }),
    ]);
    await c3.send("still serving");
    assert.equal(await s3.recv(), "still serving");
    s3.close();
    c3.close();
  },
);

leakTest(
  "challenge: the deliverer sends #CHALLENGE#{sha256} + 40 bytes and accepts both answer forms",
  async () => {
    using l = new Listener({ authkey: KEY });
    for (const legacy of [false, true]) {
      const accepted = l.accept();
      const conn = await raw(l);
      const challenge = await readFrame(conn);
      assert.equal(
        decoder.decode(challenge.subarray(0, 19)),
        "#CHALLENGE#{sha256}",
      );
      assert.equal(challenge.length, 11 + 8 + 40);
      const message = challenge.subarray(11);
      // 3.12+: {sha256} + HMAC-SHA256; 3.11: a bare HMAC-MD5 of the whole message.
      const answer = legacy
        ? hmac("md5", KEY, message)
        : concat(b("{sha256}"), hmac("sha256", KEY, message));
      await writeAll(conn, frame(answer));
      assert.equal(decoder.decode(await readFrame(conn)), "#WELCOME#");
      // Then the listener answers our challenge: a 3.11-style bare one.
      const mine = crypto.getRandomValues(new Uint8Array(20));
      await writeAll(conn, frame(concat(b("#CHALLENGE#"), mine)));
      assert.deepEqual(await readFrame(conn), hmac("md5", KEY, mine));
      await writeAll(conn, frame(b("#WELCOME#")));
      const s = await accepted;
      s.close();
      conn.close();
    }
  },
);

leakTest(
  "challenge: the answerer prefixes its digest for a {digest} challenge",
  async () => {
    const [a, c] = await pair();
    const message = concat(b("{sha384}"), new Uint8Array(40).fill(9));
    const answered = answerChallenge(c, KEY);
    await a.sendBytes(concat(b("#CHALLENGE#"), message));
    assert.deepEqual(
      await a.recvBytes(),
      concat(b("{sha384}"), hmac("sha384", KEY, message)),
    );
    await a.sendBytes(b("#WELCOME#"));
    await answered;
    a.close();
    c.close();
  },
);

leakTest("challenge: protocol errors are AuthenticationError", async () => {
  const [a, c] = await pair();
  // Not a challenge.
  const p1 = answerChallenge(c, KEY);
  await a.sendBytes(b("hello there, this is no challenge"));
  await assert.rejects(p1, AuthenticationError);
  // A challenge too short.
  const p2 = answerChallenge(c, KEY);
  await a.sendBytes(b("#CHALLENGE#short"));
  await assert.rejects(p2, /challenge too short/);
  // An unknown digest.
  const p3 = answerChallenge(c, KEY);
  await a.sendBytes(concat(b("#CHALLENGE#{whirlpool}"), new Uint8Array(40)));
  await assert.rejects(p3, AuthenticationError);
  // The deliverer gets a reply of the wrong length for its digest.
  const p4 = deliverChallenge(c, KEY);
  await a.recvBytes();
  await a.sendBytes(concat(b("{sha256}"), new Uint8Array(5)));
  await assert.rejects(p4, /expected 'sha256' of length 32 got 5/);
  assert.equal(decoder.decode(await a.recvBytes()), "#FAILURE#");
  // Bad keys.
  assert.throws(() => deliverChallengeSync(c, "key" as never), ValueError);
  assert.throws(() => answerChallengeSync(c, "key" as never), ValueError);
  await assert.rejects(
    async () => await deliverChallenge(c, 1 as never),
    ValueError,
  );
  a.close();
  c.close();
});

leakTest(
  "hostile: a huge length during the challenge fails that accept only",
  async () => {
    using l = new Listener({ authkey: KEY });
    const accepted = l.accept();
    const conn = await raw(l);
    await readFrame(conn);
    await writeAll(conn, frame(new Uint8Array(0), 0x7fffffff));
    await assert.rejects(accepted, /bad message length/);
    conn.close();
    // A good client is served next.
    const [s, c] = await Promise.all([
      l.accept(),
      Client(l.address, { authkey: KEY }),
    ]);
    await c.sendBytes(b("ok"));
    assert.deepEqual(await s.recvBytes(), b("ok"));
    s.close();
    c.close();
  },
);

leakTest(
  "hostile: garbage, truncated frames and lying lengths get errors on their connection",
  async () => {
    using l = new Listener();
    // A length of 2 GiB - 1 that never comes: the memory is not taken up
    // front, and end-of-file mid-message is an OSError.
    {
      const accepted = l.accept();
      const conn = await raw(l);
      using s = await accepted;
      const rss = Deno.memoryUsage().rss;
      await writeAll(conn, concat(frame(new Uint8Array(100_000), 0x7fffffff)));
      const got = s.recvBytes();
      conn.close();
      await assert.rejects(got, /got end of file during message/);
      assert.ok(
        Deno.memoryUsage().rss - rss < 512 << 20,
        "memory taken up front",
      );
    }
    // The 8-byte form claiming 2^52 bytes (4 PiB).
    {
      const accepted = l.accept();
      const conn = await raw(l);
      using s = await accepted;
      const header = new Uint8Array(12);
      const v = new DataView(header.buffer);
      v.setInt32(0, -1);
      v.setBigUint64(4, 1n << 52n);
      await writeAll(conn, concat(header, new Uint8Array(10)));
      const got = s.recvBytes();
      conn.close();
      await assert.rejects(got, /got end of file during message/);
    }
    // A length past what a JS number holds exactly (2^64 - 1), a negative
    // length: refused before reading on.
    for (
      const header of [[
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
      ], [0xff, 0xff, 0xff, 0xfb]]
    ) {
      const accepted = l.accept();
      const conn = await raw(l);
      using s = await accepted;
      await writeAll(conn, new Uint8Array(header));
      await assert.rejects(s.recvBytes(), /bad message length/);
      assert.equal(s.readable, false);
      conn.close();
    }
    // A truncated header.
    {
      const accepted = l.accept();
      const conn = await raw(l);
      using s = await accepted;
      await writeAll(conn, new Uint8Array([0, 0]));
      conn.close();
      assert.throws(() => s.recvBytesSync(), /got end of file during message/);
    }
    // A malformed pickle: UnpicklingError, and the connection stays in step.
    {
      const accepted = l.accept();
      const conn = await raw(l);
      using s = await accepted;
      await writeAll(conn, frame(b("\x80\x04garbage that is no pickle")));
      await writeAll(
        conn,
        frame(new Uint8Array([0x80, 0x04, 0x4b, 0x07, 0x2e])),
      ); // 7
      await assert.rejects(s.recv(), UnpicklingError);
      assert.equal(await s.recv(), 7);
      conn.close();
      await assert.rejects(s.recv(), EOFError);
    }
  },
);

leakTest(
  "hostile: a peer that stops mid-message holds only its own connection",
  async () => {
    using l = new Listener();
    const accepted = l.accept();
    const stalled = await raw(l);
    using s = await accepted;
    await writeAll(stalled, frame(new Uint8Array(10), 1000)); // 990 bytes never come
    const stuck = s.recvBytes();
    // Meanwhile a good client is accepted and served.
    const [s2, c2] = await Promise.all([l.accept(), Client(l.address)]);
    await c2.send({ served: true });
    assert.deepEqual(await s2.recv(), { served: true });
    s2.close();
    c2.close();
    // Giving up on the stalled peer: close its connection.
    s.close();
    await assert.rejects(stuck, OSError);
    stalled.close();
  },
);
