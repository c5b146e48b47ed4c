/**
 * What clients and worker hosts keep in Redis, in one place: key names, the
 * shape of task and reply messages, and the Lua scripts that make the
 * state changes atomic.
 *
 * A task queue `Q` is:
 * - `pyconc:Q:tasks`, a stream read by the consumer group `hosts`: one
 *   entry per task, field `m` = codec bytes of a {@linkcode TaskHeader} and
 *   field `a` = the codec bytes of the arguments (decoded only by the host);
 * - `pyconc:Q:state`, a hash task id → `p` (pending), `r` (claimed by a
 *   host), `c` (cancelled by its client); a task's entry is deleted when its
 *   outcome is sent, in the same transaction that acknowledges the stream
 *   entry, so a task is answered at most once per run and run again only
 *   if its host died before answering;
 * - `pyconc:Q:runs`, a hash task id → how many times a host claimed it to
 *   run it, now or queued on its pool (a host that dies after claiming
 *   leaves the count up), which bounds the retries;
 * - `pyconc:Q:reply:CLIENT`, a list per client of codec-encoded
 *   {@linkcode Reply} messages.
 *
 * A distributed `Queue` named `N` is `pyconc:queue:N:items` (a list of
 * codec bytes), `:unfinished` (Python's `unfinished_tasks`), `:space`
 * (wake-up tokens for blocked putters), `:joiners` and `:joinwake`
 * (blocked `join()` calls and their wake-up tokens).
 *
 * @module
 */

import type { TargetSpec } from "../_internal/threads/targets.ts";

/** The consumer group of worker hosts. */
export const GROUP = "hosts";

/** The keys of task queue `queue`. */
export function taskKeys(queue: string): {
  stream: string;
  state: string;
  runs: string;
  reply: (client: string) => string;
} {
  const base = `pyconc:${queue}`;
  return {
    stream: `${base}:tasks`,
    state: `${base}:state`,
    runs: `${base}:runs`,
    reply: (client) => `${base}:reply:${client}`,
  };
}

/** The keys of distributed queue `name`. */
export function queueKeys(name: string): {
  items: string;
  unfinished: string;
  space: string;
  joiners: string;
  joinwake: string;
} {
  const base = `pyconc:queue:${name}`;
  return {
    items: `${base}:items`,
    unfinished: `${base}:unfinished`,
    space: `${base}:space`,
    joiners: `${base}:joiners`,
    joinwake: `${base}:joinwake`,
  };
}

/** A task's header (field `m` of its stream entry). */
export interface TaskHeader {
  /** `CLIENT:SEQ`, unique. */
  id: string;
  /** The client's reply list. */
  reply: string;
  target: TargetSpec;
  /** Arguments are a list of argument lists (`map` with `chunksize`). */
  chunk: boolean;
  /** Milliseconds a claim lasts without a heartbeat. */
  visibilityMs: number;
  /** How many times the task may be claimed again after a host died. */
  maxRetries: number;
}

/**
 * A message to a client: `["s", id]` a host claimed the task (it runs);
 * `["r", id, ok, bytes]` its outcome, the codec bytes of the result (ok) or
 * of the error.
 */
export type Reply =
  | [kind: "s", id: string]
  | [kind: "r", id: string, ok: boolean, outcome: Uint8Array];

/**
 * A host claims a batch of tasks before running them (one round trip for
 * all). KEYS: state, runs, then the reply list of each task. ARGV: per
 * task, its id, the encoded "started" reply and its maxRetries. Returns per
 * task 1 if the host must run it (pending, or claimed by a host that died,
 * within the retries), 2 if it ran out of retries (the host fails it), 0 if
 * it must only be acknowledged (cancelled, or answered already).
 */
export const CLAIM_LUA = `
local out = {}
for i = 1, #KEYS - 2 do
  local id = ARGV[3 * i - 2]
  local s = redis.call('HGET', KEYS[1], id)
  local r = 0
  if s == 'c' then
    redis.call('HDEL', KEYS[1], id)
  elseif s == 'p' or s == 'r' then
    local n = redis.call('HINCRBY', KEYS[2], id, 1)
    if n > tonumber(ARGV[3 * i]) + 1 then
      r = 2
    else
      redis.call('HSET', KEYS[1], id, 'r')
      redis.call('RPUSH', KEYS[2 + i], ARGV[3 * i - 1])
      r = 1
    end
  end
  out[i] = r
end
return out
`;

/**
 * A client cancels a task no host claimed yet. KEYS: state. ARGV: id.
 * Returns 1 if it was pending (no host will run it), else 0.
 */
export const CANCEL_LUA = `
if redis.call('HGET', KEYS[1], ARGV[1]) == 'p' then
  redis.call('HSET', KEYS[1], ARGV[1], 'c')
  return 1
end
return 0
`;

/**
 * Puts an item unless the queue is full. KEYS: items, unfinished. ARGV:
 * item, maxsize. Returns 1 if put.
 */
export const PUT_LUA = `
local max = tonumber(ARGV[2])
if max > 0 and redis.call('LLEN', KEYS[1]) >= max then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1
`;

/**
 * After a get: a wake-up token for a blocked putter (at most 16 kept).
 * KEYS: space.
 */
export const GOT_LUA = `
redis.call('RPUSH', KEYS[1], 1)
redis.call('LTRIM', KEYS[1], -16, -1)
return 1
`;

/**
 * Python's `task_done`. KEYS: unfinished, joiners, joinwake. Returns the
 * unfinished count left, or -1 if called too many times (nothing changes).
 */
export const TASK_DONE_LUA = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 0 then return -1 end
n = redis.call('DECR', KEYS[1])
if n == 0 then
  local j = tonumber(redis.call('GET', KEYS[2]) or '0')
  for i = 1, j do redis.call('RPUSH', KEYS[3], 1) end
end
return n
`;
