// Two processes share a file through mmap: one program rewrites the file
// (through its own map, or with plain writes), another watches it through a
// read-only map. The steps are ordered by the programs' pipes, not by sleeps.

import assert from "node:assert/strict";
import { mmap } from "../../mmap/mod.ts";

const fixture = (name: string) =>
  new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** A child `deno run` whose stdin takes lines and whose stdout gives lines. */
class Peer implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;

  constructor(flags: string[], script: string, args: string[]) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", ...flags, script, ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = lines(this.#child.stdout);
  }

  /** Sends one line and returns the line the peer answers. */
  async ask(line: string): Promise<string> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
    const answer = await this.#lines.next();
    assert.ok(!answer.done, "the peer ended early");
    return answer.value;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#writer.close();
    await this.#lines.return?.();
    const status = await this.#child.status;
    assert.equal(status.code, 0);
  }
}

async function* lines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) !== -1) {
      yield buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
    }
  }
}

Deno.test("mmap between two processes: a watcher's read-only map sees every rewrite of the file", async () => {
  const path = await Deno.makeTempFile({ prefix: "pyconc_mmap_ipc_" });
  await Deno.writeFile(path, new Uint8Array(4096));
  const flags = [
    "--allow-ffi",
    `--allow-read=${path}`,
    `--allow-write=${path}`,
  ];
  try {
    await using writer = new Peer(flags, fixture("ipc_writer.ts"), [path]);
    await using watcher = new Peer(
      ["--allow-ffi", `--allow-read=${path}`],
      fixture("ipc_watcher.ts"),
      [path],
    );
    assert.equal(await watcher.ask("read"), "");
    const steps = [
      ["map", "Hello from the writer"],
      ["rewrite", "rewritten with write(2)"],
      ["map", "through the map again"],
      ["rewrite", "and once more, shorter"],
      ["map", "bye"],
    ];
    for (const [verb, text] of steps) {
      assert.equal(await writer.ask(`${verb} ${text}`), "done");
      assert.equal(await watcher.ask("read"), text, `after ${verb}`);
    }
    // This process sees the last state too, through a map of its own.
    using mine = mmap.fromPath(path);
    assert.equal(new TextDecoder().decode(mine.slice(0, 3)), "bye");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("mmap between two processes: writes through this process's map reach the other", async () => {
  const path = await Deno.makeTempFile({ prefix: "pyconc_mmap_ipc_" });
  await Deno.writeFile(path, new Uint8Array(4096));
  try {
    using m = mmap.fromPath(path);
    await using watcher = new Peer(
      ["--allow-ffi", `--allow-read=${path}`],
      fixture("ipc_watcher.ts"),
      [path],
    );
    for (const text of ["one", "two two", "three three three"]) {
      m.buffer.fill(0);
      m.buffer.set(new TextEncoder().encode(text));
      assert.equal(await watcher.ask("read"), text);
    }
  } finally {
    await Deno.remove(path);
  }
});
