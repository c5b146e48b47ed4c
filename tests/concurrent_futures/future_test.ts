// Ports test_concurrent_futures/test_future.py.
import assert from "node:assert/strict";
import {
  CancelledError,
  Future,
  InvalidStateError,
  OSError,
  RuntimeError,
  ThreadPoolExecutor,
  TimeoutError,
  ValueError,
} from "../../concurrent_futures/mod.ts";
import {
  CANCELLED_AND_NOTIFIED_FUTURE,
  CANCELLED_FUTURE,
  capturedStderr,
  createFuture,
  EXCEPTION_FUTURE,
  PENDING_FUTURE,
  RUNNING_FUTURE,
  SUCCESSFUL_FUTURE,
} from "./_fixtures.ts";
import { assertTimeout, threadTest, timed } from "../_helpers.ts";

Deno.test("Future.addDoneCallback(): called with the future once it has a result", () => {
  let seen: unknown;
  const f = new Future<number>();
  f.addDoneCallback((cf) => {
    seen = cf.resultSync();
  });
  assert.equal(seen, undefined);
  f.setResult(5);
  assert.equal(seen, 5);
});

Deno.test("Future.addDoneCallback(): called once the future has an exception", () => {
  let seen: unknown;
  const f = new Future();
  f.addDoneCallback((cf) => {
    seen = cf.exceptionSync();
  });
  const e = new Error("test");
  f.setException(e);
  assert.equal(seen, e);
});

Deno.test("Future.addDoneCallback(): called on cancel()", () => {
  let wasCancelled: boolean | undefined;
  const f = new Future();
  f.addDoneCallback((cf) => {
    wasCancelled = cf.cancelled();
  });
  assert.ok(f.cancel());
  assert.equal(wasCancelled, true);
});

Deno.test("Future.addDoneCallback(): a callback that throws is reported, the others still run", async () => {
  let raisingCalled = false, fnCalled = false;
  const f = new Future<number>();
  f.addDoneCallback(() => {
    raisingCalled = true;
    throw new Error("doh!");
  });
  f.addDoneCallback(() => {
    fnCalled = true;
  });
  const err = await capturedStderr(() => f.setResult(5));
  assert.ok(raisingCalled);
  assert.ok(fnCalled);
  assert.match(
    err,
    /exception calling callback for <Future at 0x[0-9a-f]+ state=finished returned number>/,
  );
  assert.match(err, /Error: doh!/);
});

Deno.test("Future.addDoneCallback(): runs at once on a future that already has a result", () => {
  let seen: unknown;
  const f = new Future<number>();
  f.setResult(5);
  f.addDoneCallback((cf) => {
    seen = cf.resultSync();
  });
  assert.equal(seen, 5);
});

Deno.test("Future.addDoneCallback(): runs at once on a future that already failed", () => {
  let seen: unknown;
  const f = new Future();
  const e = new Error("test");
  f.setException(e);
  f.addDoneCallback((cf) => {
    seen = cf.exceptionSync();
  });
  assert.equal(seen, e);
});

Deno.test("Future.addDoneCallback(): runs at once on a cancelled future", () => {
  let wasCancelled: boolean | undefined;
  const f = new Future();
  assert.ok(f.cancel());
  f.addDoneCallback((cf) => {
    wasCancelled = cf.cancelled();
  });
  assert.equal(wasCancelled, true);
});

Deno.test("Future.addDoneCallback(): a callback added late that throws is reported", async () => {
  const f = new Future<number>();
  f.setResult(5);
  const err = await capturedStderr(() =>
    f.addDoneCallback(() => {
      throw new Error("doh!");
    })
  );
  assert.match(err, /exception calling callback for/);
  assert.match(err, /doh!/);
});

Deno.test("Future.addDoneCallback(): callbacks run in order, each exactly once; a non-function throws TypeError", () => {
  const calls: string[] = [];
  const f = new Future<number>();
  f.addDoneCallback(() => calls.push("a"));
  f.addDoneCallback(() => calls.push("b"));
  assert.throws(() => f.addDoneCallback(42 as never), TypeError);
  f.setResult(1);
  assert.throws(() => f.setResult(2), InvalidStateError);
  assert.ok(!f.cancel());
  assert.deepEqual(calls, ["a", "b"]);
});

Deno.test("Future.toString(): Python's repr in every state", () => {
  assert.match(
    String(PENDING_FUTURE),
    /^<Future at 0x[0-9a-f]+ state=pending>$/,
  );
  assert.match(
    String(RUNNING_FUTURE),
    /^<Future at 0x[0-9a-f]+ state=running>$/,
  );
  assert.match(
    String(CANCELLED_FUTURE),
    /^<Future at 0x[0-9a-f]+ state=cancelled>$/,
  );
  assert.match(
    String(CANCELLED_AND_NOTIFIED_FUTURE),
    /^<Future at 0x[0-9a-f]+ state=cancelled>$/,
  );
  assert.match(
    String(EXCEPTION_FUTURE),
    /^<Future at 0x[0-9a-f]+ state=finished raised OSError>$/,
  );
  assert.match(
    String(SUCCESSFUL_FUTURE),
    /^<Future at 0x[0-9a-f]+ state=finished returned number>$/,
  );
  assert.match(
    Deno.inspect(SUCCESSFUL_FUTURE),
    /state=finished returned number/,
  );
});

Deno.test("Future.cancel(): only a pending (or cancelled) future can be cancelled", () => {
  const f1 = createFuture("PENDING");
  const f2 = createFuture("RUNNING");
  const f3 = createFuture("CANCELLED");
  const f4 = createFuture("CANCELLED_AND_NOTIFIED");
  const f5 = createFuture("FINISHED", { exception: new OSError() });
  const f6 = createFuture("FINISHED", { result: 5 });

  assert.ok(f1.cancel());
  assert.match(String(f1), /state=cancelled/);
  assert.ok(!f2.cancel());
  assert.ok(f2.running());
  assert.ok(f3.cancel());
  assert.ok(f3.cancelled());
  assert.ok(f4.cancel());
  assert.ok(f4.cancelled());
  assert.ok(!f5.cancel());
  assert.match(String(f5), /state=finished/);
  assert.ok(!f6.cancel());
  assert.equal(f6.resultSync(), 5);
});

Deno.test("Future.cancelled(), done(), running(): in every state", () => {
  const all = [
    PENDING_FUTURE,
    RUNNING_FUTURE,
    CANCELLED_FUTURE,
    CANCELLED_AND_NOTIFIED_FUTURE,
    EXCEPTION_FUTURE,
    SUCCESSFUL_FUTURE,
  ];
  assert.deepEqual(all.map((f) => f.cancelled()), [
    false,
    false,
    true,
    true,
    false,
    false,
  ]);
  assert.deepEqual(all.map((f) => f.done()), [
    false,
    false,
    true,
    true,
    true,
    true,
  ]);
  assert.deepEqual(all.map((f) => f.running()), [
    false,
    true,
    false,
    false,
    false,
    false,
  ]);
});

Deno.test("Future.resultSync(0): TimeoutError, CancelledError, the error, or the value", () => {
  assert.throws(() => PENDING_FUTURE.resultSync(0), TimeoutError);
  assert.throws(() => RUNNING_FUTURE.resultSync(0), TimeoutError);
  assert.throws(() => CANCELLED_FUTURE.resultSync(0), CancelledError);
  assert.throws(
    () => CANCELLED_AND_NOTIFIED_FUTURE.resultSync(0),
    CancelledError,
  );
  assert.throws(() => EXCEPTION_FUTURE.resultSync(0), OSError);
  assert.equal(SUCCESSFUL_FUTURE.resultSync(0), 42);
});

Deno.test("Future.result(0): the async form throws and returns the same", async () => {
  await assert.rejects(PENDING_FUTURE.result(0), TimeoutError);
  await assert.rejects(RUNNING_FUTURE.result(0), TimeoutError);
  await assert.rejects(CANCELLED_FUTURE.result(0), CancelledError);
  await assert.rejects(CANCELLED_AND_NOTIFIED_FUTURE.result(0), CancelledError);
  await assert.rejects(EXCEPTION_FUTURE.result(0), OSError);
  assert.equal(await SUCCESSFUL_FUTURE.result(0), 42);
  // A negative timeout does not wait, as Python's.
  await assert.rejects(PENDING_FUTURE.result(-1), TimeoutError);
});

Deno.test("Future.exceptionSync(0) and exception(0): in every state", async () => {
  assert.throws(() => PENDING_FUTURE.exceptionSync(0), TimeoutError);
  assert.throws(() => RUNNING_FUTURE.exceptionSync(0), TimeoutError);
  assert.throws(() => CANCELLED_FUTURE.exceptionSync(0), CancelledError);
  assert.throws(
    () => CANCELLED_AND_NOTIFIED_FUTURE.exceptionSync(0),
    CancelledError,
  );
  assert.ok(EXCEPTION_FUTURE.exceptionSync(0) instanceof OSError);
  assert.equal(SUCCESSFUL_FUTURE.exceptionSync(0), null);
  await assert.rejects(PENDING_FUTURE.exception(0), TimeoutError);
  await assert.rejects(CANCELLED_FUTURE.exception(0), CancelledError);
  assert.ok((await EXCEPTION_FUTURE.exception(0)) instanceof OSError);
  assert.equal(await SUCCESSFUL_FUTURE.exception(0), null);
});

Deno.test("Future.result(timeout): times out after about the timeout", async () => {
  const f = new Future();
  const [err, seconds] = await timed(() => f.result(0.2).catch((e) => e));
  assert.ok(err instanceof TimeoutError);
  assertTimeout(seconds, 0.2);
  const [, s2] = await timed(() =>
    assert.throws(() => f.resultSync(0.2), TimeoutError)
  );
  assertTimeout(s2, 0.2);
  assert.throws(() => f.resultSync(Number.NaN), ValueError);
  assert.throws(() => f.resultSync("1" as never), TypeError);
});

Deno.test("Future.result(): wakes when the result is set later", async () => {
  const f = new Future<number>();
  const pending = f.result(5);
  setTimeout(() => f.setResult(42), 20);
  assert.equal(await pending, 42);
});

Deno.test("Future.result(): a cancel() while waiting throws CancelledError", async () => {
  const f = new Future();
  const pending = f.result(5);
  setTimeout(() => f.cancel(), 20);
  await assert.rejects(pending, CancelledError);
});

Deno.test("Future.exception(): wakes when the exception is set later", async () => {
  const f = new Future();
  const pending = f.exception(5);
  setTimeout(() => f.setException(new OSError()), 20);
  assert.ok((await pending) instanceof OSError);
});

threadTest(
  "Future.resultSync(): blocks the main thread until a worker completes it",
  () => {
    using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const f = pool.submit(() => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      return 42;
    });
    assert.equal(f.resultSync(5), 42);
    const g = pool.submit(() => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      throw new RangeError("late");
    });
    const e = g.exceptionSync(5);
    assert.ok(e instanceof RangeError);
    assert.equal(e.message, "late");
  },
);

Deno.test("Future.setResult(): a second call throws InvalidStateError naming the state", () => {
  const f = createFuture("PENDING");
  f.setResult(1);
  assert.throws(
    () => f.setResult(2),
    (e: unknown) =>
      e instanceof InvalidStateError &&
      /^FINISHED: <Future at 0x[0-9a-f]+ state=finished returned number>$/
        .test(e.message),
  );
  assert.ok(f.done());
  assert.equal(f.resultSync(), 1);
});

Deno.test("Future.setException(): a second call throws InvalidStateError naming the state", () => {
  const f = createFuture("PENDING");
  const e = new ValueError();
  f.setException(e);
  assert.throws(
    () => f.setException(new Error()),
    (err: unknown) =>
      err instanceof InvalidStateError &&
      /^FINISHED: <Future at 0x[0-9a-f]+ state=finished raised ValueError>$/
        .test(err.message),
  );
  assert.equal(f.exceptionSync(), e);
  const c = createFuture("CANCELLED");
  assert.throws(() => c.setResult(1), /^InvalidStateError: CANCELLED: /);
});

Deno.test("Future.setRunningOrNotifyCancel(): pending → running; cancelled → notified; else RuntimeError", () => {
  const f = new Future();
  assert.ok(f.setRunningOrNotifyCancel());
  assert.ok(f.running());
  assert.throws(() => f.setRunningOrNotifyCancel(), RuntimeError);
  f.setResult(1);
  assert.throws(
    () => f.setRunningOrNotifyCancel(),
    /Future in unexpected state/,
  );
  const c = new Future();
  c.cancel();
  assert.equal(c.setRunningOrNotifyCancel(), false);
  assert.ok(c.cancelled());
  assert.throws(() => c.setRunningOrNotifyCancel(), RuntimeError);
});

Deno.test("Future: await gives the result, throws the error, or CancelledError", async () => {
  assert.equal(await SUCCESSFUL_FUTURE, 42);
  await assert.rejects(async () => await EXCEPTION_FUTURE, OSError);
  await assert.rejects(async () => await CANCELLED_FUTURE, CancelledError);
  const f = new Future<string>();
  setTimeout(() => f.setResult("later"), 10);
  assert.equal(await f, "later");
  const g = new Future<string>();
  setTimeout(() => g.cancel(), 10);
  await assert.rejects(async () => await g, CancelledError);
  // then() chains like a promise's.
  assert.equal(await SUCCESSFUL_FUTURE.then((v) => v + 1), 43);
});
