/**
 * One turn of the event loop for a loop that runs on microtasks (the
 * manager server's shared-memory channel loop): timers and socket I/O get
 * their turn, and the loop goes on at once after them.
 *
 * Not `setTimeout(0)`: a chain of those is clamped (measured here: 2.2 ms
 * a turn, so a server that yielded every 5 ms lost a third of its time
 * and its clients saw millisecond round trips). A message on a fresh
 * `MessageChannel` is a task of its own with no delay (≈ 30–40 µs a turn);
 * both ports are closed once it arrives, so nothing keeps the program
 * alive.
 *
 * @module
 */

/** Resolves after one task of the event loop. */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
    port2.close();
  });
}
