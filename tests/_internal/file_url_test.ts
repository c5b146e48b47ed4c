import assert from "node:assert/strict";
import { fileURLToPath as nodeFileURLToPath } from "node:url";
import { fileURLToPath } from "../../_internal/file_url.ts";

Deno.test("fileURLToPath: the path of a file: URL, percent-decoded, as Node's", () => {
  for (
    const href of [
      "file:///tmp/a",
      "file:///tmp/with%20space/%C3%A9t%C3%A9",
      "file://localhost/etc/hosts",
      "file:///a/b/../c?q=1#frag",
      "file:///%25percent",
    ]
  ) {
    const url = new URL(href);
    assert.equal(fileURLToPath(url), nodeFileURLToPath(url), href);
  }
  assert.equal(fileURLToPath(new URL("file:///tmp/x%20y")), "/tmp/x y");
});

Deno.test("fileURLToPath: other schemes, remote hosts and encoded slashes are TypeErrors", () => {
  for (
    const href of [
      "https://example.com/a",
      "file://example.com/a",
      "file:///a%2Fb",
      "file:///a%2fb",
    ]
  ) {
    const url = new URL(href);
    assert.throws(() => nodeFileURLToPath(url), TypeError, href);
    assert.throws(() => fileURLToPath(url), TypeError, href);
  }
});
