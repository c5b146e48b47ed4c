/**
 * The referent classes of the SyncManager's typeids, in one module: a
 * server loads them after it reported its address (see `_registry.ts`),
 * off the start path.
 *
 * @module
 */

export { ServerDict } from "./_server_dict.ts";
export { ServerList } from "./_server_list.ts";
export { ServerQueue } from "./_server_queue.ts";
export {
  ServerBarrier,
  ServerCondition,
  ServerEvent,
  ServerLock,
  ServerSemaphore,
} from "./_server_sync.ts";
export { ServerArray, ServerNamespace, ServerValue } from "./_server_values.ts";
