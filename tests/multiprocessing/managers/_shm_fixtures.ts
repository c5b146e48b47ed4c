/**
 * A manager whose server reports its same-host channel counts (the shm
 * suite), importable by the server process and by child processes.
 */
import { SyncManager } from "../../../multiprocessing/mod.ts";
import { shmCounters } from "../../../multiprocessing/managers/_shm_layout.ts";

/** The server process's channel counts. */
export class ShmStats {
  counters(): Record<string, number> {
    return { ...shmCounters };
  }
}

/** A SyncManager with a `stats` typeid. */
export class StatsManager extends SyncManager {}
StatsManager.register("stats", new URL("#ShmStats", import.meta.url));
