/**
 * Loads every class that travels by reference, so that any thread can
 * rebuild any of them from a record (the codec looks classes up by tag).
 *
 * @module
 */

import "../threading/lock.ts";
import "../threading/rlock.ts";
import "../threading/condition.ts";
import "../threading/semaphore.ts";
import "../threading/event.ts";
import "../threading/barrier.ts";
import "../threading/local.ts";
import "../queue/queue.ts";
import "../queue/lifo_queue.ts";
import "../queue/priority_queue.ts";
import "../queue/simple_queue.ts";
import "../multiprocessing/lock.ts";
import "../multiprocessing/rlock.ts";
import "../multiprocessing/condition.ts";
import "../multiprocessing/semaphore.ts";
import "../multiprocessing/event.ts";
import "../multiprocessing/barrier.ts";
import "../multiprocessing/value.ts";
import "../multiprocessing/array.ts";
import "../multiprocessing/connection.ts";
import "../multiprocessing/shared_memory/shared_memory.ts";
import "../multiprocessing/shared_memory/shareable_list.ts";
import "../multiprocessing/shared_memory/shared_memory_manager.ts";
import "../multiprocessing/queue.ts";
import "../multiprocessing/joinable_queue.ts";
import "../multiprocessing/simple_queue.ts";
import "../multiprocessing/managers/proxies.ts";
