/* Snapshots on files: `snapshot save FILE` in the monitor, `ringside run --from-snapshot
 * FILE` (docs/debugging.md). A file belongs to one machine configuration, one firmware
 * and one layout of the state tables (one build of ringside); any other is refused
 * with the reason, and so is a damaged or truncated file. Every length is checked
 * against what is left before it is used, and a SHA-256 of the whole file is checked
 * before anything is loaded.
 *
 * Layout (little-endian):
 *   "RSSNAP\r\n"  magic, 8 bytes
 *   u32 1         format version
 *   u32 n, n bytes   the configuration (the trace header's key=value lines)
 *   32 bytes      SHA-256 of the firmware file
 *   u64           layout hash of the state tables (names, versions, offsets, sizes)
 *   u64 instret, u64 vclock
 *   u64 n, n bytes   the state (snap_save's blob)
 *   u64 ram bytes, u64 pages, then per page: u64 page number, 4096 bytes (the others
 *                 are zero; numbers strictly increasing)
 *   32 bytes      SHA-256 of everything before it */
#ifndef RINGSIDE_SNAP_FILE_H
#define RINGSIDE_SNAP_FILE_H

#include "machine.h"
#include "snap/snap.h"

#define SNAP_FILE_VERSION 1u

/* A hash of the registry's tables: a file written with other tables (another build,
 * another set of devices) is refused before its bytes are read as fields. */
uint64_t snap_layout_hash(const SnapReg *r);

/* Writes the machine as it stands (between two instructions). */
int snap_file_save(Machine *m, const SnapReg *r, const char *config, const char *path, Err *err);
/* Checks and loads a file's state into m, a machine built from the same configuration
 * and not yet run. -1 with err, the reason first. */
int snap_file_load(Machine *m, const SnapReg *r, const char *config, const char *path, Err *err);
/* The same from bytes in memory (the fuzz harness, tests). */
int snap_file_load_mem(Machine *m, const SnapReg *r, const char *config, const uint8_t *p, size_t len, Err *err);

#endif
