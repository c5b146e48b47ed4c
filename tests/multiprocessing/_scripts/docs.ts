// The examples of Python's multiprocessing docs, one per argument, printing
// what Python's print.
import {
  Array as SharedArray,
  type Connection,
  currentProcess,
  Lock,
  parentProcess,
  Pipe,
  Process,
  Queue,
  Value,
} from "../../../multiprocessing/mod.ts";

/** `def f(name): print('hello', name)` */
export function hello(name: string): void {
  console.log("hello", name);
}

/** `def info(title)`: the module name, the parent's pid, the pid. */
export function info(title: string): void {
  console.log(title);
  console.log("module name:", import.meta.main ? "__main__" : "__mp_main__");
  console.log("parent process:", parentProcess()?.pid ?? "none");
  console.log("process id:", currentProcess().pid);
}

/** `def f(name): info('function f'); print('hello', name)` */
export function infoThenHello(name: string): void {
  info("function f");
  console.log("hello", name);
}

/** `def f(l, i): l.acquire(); print('hello world', i); l.release()` */
export function locked(l: Lock, i: number): void {
  l.acquireSync();
  try {
    console.log("hello world", i);
  } finally {
    l.release();
  }
}

if (import.meta.main) {
  switch (Deno.args[0]) {
    case "hello": {
      const p = new Process({
        target: new URL("#hello", import.meta.url),
        args: ["bob"],
      });
      p.start();
      await p.join();
      break;
    }
    case "info": {
      info("main line");
      const p = new Process({
        target: new URL("#infoThenHello", import.meta.url),
        args: ["bob"],
      });
      p.start();
      await p.join();
      break;
    }
    case "queue": {
      const q = new Queue();
      const p = new Process({
        target: (q: Queue) => q.putSync([42, null, "hello"]),
        args: [q],
      });
      p.start();
      console.log(JSON.stringify(await q.get())); // prints "[42, None, 'hello']"
      await p.join();
      break;
    }
    case "pipe": {
      const [parentConn, childConn] = Pipe();
      const p = new Process({
        target: (conn: Connection) => {
          conn.sendSync([42, null, "hello"]);
          conn.close();
        },
        args: [childConn],
      });
      p.start();
      console.log(JSON.stringify(await parentConn.recv()));
      await p.join();
      break;
    }
    case "lock": {
      const lock = new Lock();
      const procs = [];
      for (let num = 0; num < 10; num++) {
        const p = new Process({
          target: new URL("#locked", import.meta.url),
          args: [lock, num],
        });
        p.start();
        procs.push(p);
      }
      for (const p of procs) await p.join();
      break;
    }
    case "value": {
      const num = new Value("d", 0.0);
      const arr = new SharedArray("i", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const p = new Process({
        target: (n: Value<"d">, a: SharedArray<"i">) => {
          n.value = 3.1415927;
          for (let i = 0; i < a.length; i++) a.set(i, -a.get(i));
        },
        args: [num, arr],
      });
      p.start();
      await p.join();
      console.log(num.value);
      console.log(JSON.stringify(arr.slice()));
      break;
    }
  }
}
