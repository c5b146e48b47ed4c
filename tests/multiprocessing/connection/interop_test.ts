/**
 * Interop with CPython (python3, 3.11): a CPython Listener serving our
 * Client and our Listener serving a CPython Client, over TCP and Unix
 * sockets, with and without an authkey, objects and raw bytes. CPython
 * 3.11 speaks the legacy HMAC-MD5 challenge; 3.12+'s `{sha256}` form is
 * covered byte for byte in hostile_test.ts.
 */
import assert from "node:assert/strict";
import {
  AuthenticationError,
  Client,
  ClientSync,
  Listener,
} from "../../../multiprocessing/connection/mod.ts";
import { tuple } from "../../../pickle/mod.ts";
import { b, decoder, leakTest } from "./_helpers.ts";

const SERVER = `
import sys, json
from multiprocessing.connection import Listener
from multiprocessing import AuthenticationError
fam, key = sys.argv[1], sys.argv[2].encode() or None
addr = ('127.0.0.1', 0) if fam == 'AF_INET' else sys.argv[3]
with Listener(addr, family=fam, authkey=key) as l:
    a = l.address
    print(json.dumps(a if isinstance(a, str) else list(a)), flush=True)
    while True:
        try:
            c = l.accept()
        except AuthenticationError as e:
            print('auth-failed', flush=True)
            continue
        with c:
            m = c.recv_bytes()
            if m == b'quit':
                break
            c.send_bytes(m[::-1])
            o = c.recv()
            c.send([o, repr(o)])
`;

const CLIENT = `
import sys, json
from multiprocessing.connection import Client
addr = json.loads(sys.argv[1])
addr = tuple(addr) if isinstance(addr, list) else addr
key = sys.argv[2].encode() or None
with Client(addr, authkey=key) as c:
    c.send_bytes(b'hello from python')
    print(repr(c.recv_bytes()), flush=True)
    c.send([1, 'x', None, (2, 3), {'k': b'v'}, 2**70, 1.5, 'h\\xe9llo'])
    print(repr(c.recv()), flush=True)
    c.send_bytes(bytes(range(256)) * 12288)
    print(len(c.recv_bytes()), flush=True)
`;

/** A python3 child whose stdout is read line by line. */
function python(code: string, args: string[]) {
  const child = new Deno.Command("python3", {
    args: ["-c", code, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout
    .pipeThrough(new TextDecoderStream())
    .getReader();
  let pending = "";
  return {
    child,
    async line(): Promise<string> {
      for (;;) {
        const nl = pending.indexOf("\n");
        if (nl >= 0) {
          const out = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          return out;
        }
        const { value, done } = await lines.read();
        if (done) throw new Error(`python3 ended; stdout so far: ${pending}`);
        pending += value;
      }
    },
    async end(): Promise<{ code: number; stderr: string }> {
      for (;;) {
        const { done } = await lines.read();
        if (done) break;
      }
      const [status, err] = await Promise.all([
        child.status,
        new Response(child.stderr).text(),
      ]);
      return { code: status.code, stderr: err };
    },
  };
}

const OBJECT = [
  1,
  "x",
  null,
  tuple(2, 3),
  { k: b("v") },
  2n ** 70n,
  1.5,
  "héllo",
];
const OBJECT_REPR =
  "[1, 'x', None, (2, 3), {'k': b'v'}, 1180591620717411303424, 1.5, 'héllo']";

for (const family of ["AF_INET", "AF_UNIX"] as const) {
  for (const key of ["", "s3cret"]) {
    const label = `${family}, ${key ? "with" : "without"} authkey`;

    leakTest(
      `interop: a CPython Listener serves our Client (${label})`,
      async () => {
        const dir = Deno.makeTempDirSync();
        const py = python(SERVER, [family, key, `${dir}/py.sock`]);
        try {
          const raw = JSON.parse(await py.line());
          const address = typeof raw === "string"
            ? raw
            : [raw[0], raw[1]] as [string, number];
          const authkey = key ? b(key) : undefined;
          const opts = authkey ? { authkey } : {};
          // async client
          {
            using c = await Client(address, opts);
            await c.sendBytes(b("hello python"));
            assert.equal(decoder.decode(await c.recvBytes()), "nohtyp olleh");
            await c.send(OBJECT);
            const [back, repr] = await c.recv() as [unknown[], string];
            assert.equal(repr, OBJECT_REPR);
            assert.deepEqual(back, OBJECT);
          }
          // Sync client, a 3 MiB message
          {
            using c = ClientSync(address, opts);
            const big = new Uint8Array(3 << 20).map((_, i) => i % 251);
            c.sendBytesSync(big);
            assert.deepEqual(c.recvBytesSync(), big.slice().reverse());
            c.sendSync(null);
            assert.deepEqual(c.recvSync(), [null, "None"]);
          }
          if (key) {
            await assert.rejects(
              Client(address, { authkey: b("wrong") }),
              AuthenticationError,
            );
            assert.equal(await py.line(), "auth-failed");
          }
          using q = await Client(address, opts);
          await q.sendBytes(b("quit"));
        } finally {
          const { code, stderr } = await py.end();
          Deno.removeSync(dir, { recursive: true });
          assert.equal(code, 0, stderr);
        }
      },
    );

    leakTest(
      `interop: our Listener serves a CPython Client (${label})`,
      async () => {
        const authkey = key ? b(key) : undefined;
        using l = new Listener({
          family,
          ...(authkey ? { authkey } : {}),
        });
        const py = python(CLIENT, [JSON.stringify(l.address), key]);
        try {
          using c = await l.accept();
          assert.equal(
            decoder.decode(await c.recvBytes()),
            "hello from python",
          );
          await c.sendBytes(b("hello from deno"));
          assert.equal(await py.line(), "b'hello from deno'");
          assert.deepEqual(await c.recv(), OBJECT);
          await c.send({
            answer: tuple(42, "ok"),
            bytes: new Uint8Array([0, 255]),
          });
          assert.equal(
            await py.line(),
            "{'answer': (42, 'ok'), 'bytes': b'\\x00\\xff'}",
          );
          const big = c.recvBytesSync();
          assert.equal(big.length, 256 * 12288);
          assert.equal(big[257], 1);
          c.sendBytesSync(big);
          assert.equal(await py.line(), String(256 * 12288));
        } finally {
          const { code, stderr } = await py.end();
          assert.equal(code, 0, stderr);
        }
        if (key) {
          // A CPython client with the wrong key: AuthenticationError on both sides.
          const bad = python(CLIENT, [JSON.stringify(l.address), "wrong"]);
          await assert.rejects(l.accept(), AuthenticationError);
          const { code, stderr } = await bad.end();
          assert.notEqual(code, 0);
          assert.match(stderr, /AuthenticationError/);
        }
      },
    );
  }
}
