#ifndef CSQLITE_TUNING_H
#define CSQLITE_TUNING_H

/**
 * Process-wide SQLite settings that only C can make (`sqlite3_config` is variadic), applied
 * once before the first connection opens:
 *   - SQLITE_CONFIG_MULTITHREAD: connections without their own mutex. GRDB already runs each
 *     connection on its own serial queue, so SQLite's per-call mutex only costs time.
 *   - SQLITE_CONFIG_MEMSTATUS off: no global mutex and statistics around every allocation.
 * Returns 0 when both were applied, else the SQLite result code of the first that was refused
 * (SQLITE_MISUSE when SQLite was already initialized; the defaults then stay, which is safe).
 */
int csqlite_tune_process(void);

#endif
