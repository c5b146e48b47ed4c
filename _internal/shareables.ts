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
