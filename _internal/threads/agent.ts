/**
 * Which agent (JavaScript thread) this code runs in: the main thread is
 * agent 0; each thread Worker gets a number from the supervisor. Messages
 * for a thread's starter (its excepthook) are routed by this number.
 *
 * @module
 */

// Not node:worker_threads: loading it sets up Node compatibility (≈ 17 ms).
import { isMainThread } from "../sync/main_thread.ts";

let id = 0;

/** This agent's number (0 on the main thread). */
export function agentId(): number {
  return id;
}

/** Set once by the worker bootstrap. */
export function setAgentId(value: number): void {
  id = value;
}

/** Whether this is the process's main thread. */
export const isMainAgent: boolean = isMainThread;
