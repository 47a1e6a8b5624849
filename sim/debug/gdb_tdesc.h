/* The target description gdb reads with qXfer:features:read:target.xml (GDB manual,
 * G "Target Descriptions", G.5 "Standard Target Features", RISC-V Features): the
 * org.gnu.gdb.riscv.cpu feature (x0..x31 by their ABI names, pc), the .csr feature with
 * every CSR of the one table (sim/cpu/csrs.def), and the .virtual feature's priv.
 * Register numbers are gdb's RISC-V numbering, which the g/p/P packets use too. */
#ifndef RINGSIDE_DEBUG_GDB_TDESC_H
#define RINGSIDE_DEBUG_GDB_TDESC_H

#include "common.h"

enum {
    GDB_REG_PC = 32,             /* after x0..x31 */
    GDB_REG_CSR0 = 65,           /* CSR n is GDB_REG_CSR0 + n (33..64 would be f0..f31) */
    GDB_REG_PRIV = 65 + 4096,    /* the privilege level, read-only here */
};

/* The description as one NUL-terminated XML text (malloc'd; *len without the NUL), or
 * NULL when out of memory. */
char *gdb_tdesc_xml(size_t *len);

#endif
