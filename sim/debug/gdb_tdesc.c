/* The target description for gdb (see gdb_tdesc.h), built when the stub starts from the
 * register tables the CPU already has (gprs.def through cpu_reg_name, csrs.def through
 * cpu_csr_name), so it names exactly the registers this hart has. */
#include "debug/gdb_tdesc.h"

#include <stdlib.h>

#include "cpu.h"

/* gdb's riscv-64bit-cpu.xml gives these types so that it prints ra and pc as code
 * addresses and sp, gp and tp as data pointers; the rest are plain integers. */
static const char *xreg_type(unsigned r)
{
    static const char *const special[5] = { "int", "code_ptr", "data_ptr", "data_ptr", "data_ptr" };
    return r < ARRAY_SIZE(special) ? special[r] : "int";
}

char *gdb_tdesc_xml(size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    fprintf(f, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n"
               "<architecture>riscv:rv64</architecture>\n<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (unsigned r = 0; r < 32; r++)
        fprintf(f, "<reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%u\"/>\n", cpu_reg_name(r), xreg_type(r), r);
    fprintf(f, "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"%u\"/>\n</feature>\n", GDB_REG_PC);
    fprintf(f, "<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (unsigned csr = 0; csr < 4096; csr++) {
        const char *name = cpu_csr_name(csr);
        if (name)
            fprintf(f, "<reg name=\"%s\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>\n", name, GDB_REG_CSR0 + csr);
    }
    fprintf(f, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
               "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>\n</feature>\n</target>\n",
            GDB_REG_PRIV);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
