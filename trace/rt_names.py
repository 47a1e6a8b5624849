"""Names of the hart's CSRs and trap causes, read from the C tables.

The simulator's one CSR table (sim/cpu/csrs.def, privileged spec 1.12 §2.2) and cause
table (sim/cpu/causes.def, Table 3.6) are parsed at run time, as ringside_trace parses
trace/events.def, so the Python tools and the simulator cannot disagree on a name.
Standard library only.
"""

import os
import re

import rt_deftab

__all__ = ["NamesError", "INTERRUPT", "find_def", "csrs", "causes"]

INTERRUPT = 1 << 63   # the interrupt bit of an RV64 mcause value


class NamesError(Exception):
    """A table that cannot be read, or is not in the shape its header comment gives."""


def find_def(name):
    """Path of a table: beside this module first (where `make install` puts it), else in
    the source tree (trace/../sim/cpu/)."""
    return rt_deftab.find(name, os.path.join("sim", "cpu"))


def _rows(path, macros, row):
    """The match of row at each use of one of macros; NamesError for a use that row
    does not match."""
    found = []
    for macro, body, line in rt_deftab.calls(rt_deftab.read(path, NamesError), macros, path, NamesError):
        r = row.match("%s(%s)" % (macro, body))
        if not r:
            raise NamesError("%s:%d: row not in the shape the header describes" % (path, line))
        found.append(r)
    return found


_CSR_ROW = re.compile(r"(?:CSR\s*\(\s*(0x[0-9a-fA-F]+)\s*,\s*([a-z][a-z0-9]*)\s*,"
                      r"|CSRS\s*\(\s*(0x[0-9a-fA-F]+)\s*,\s*([a-z][a-z0-9]*)\s*,"
                      r"\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,)\s*([USM])\s*,")
_PRIV = {"U": 0, "S": 1, "M": 3}


def csrs(path=None):
    """{number: name} for every CSR of sim/cpu/csrs.def, ranges expanded
    ("pmpaddr12"); NamesError if the table breaks its rules."""
    path = path or find_def("csrs.def")
    table = {}
    for r in _rows(path, ["CSR", "CSRS"], _CSR_ROW):
        if r.group(1):
            base, name, first, last, step = int(r.group(1), 16), r.group(2), 0, 0, 1
            members = [(base, name)]
        else:
            base, name = int(r.group(3), 16), r.group(4)
            first, last, step = int(r.group(5)), int(r.group(6)), int(r.group(7))
            if step < 1 or last < first or (last - first) % step:
                raise NamesError("%s: %s: %d..%d step %d is no range" % (path, name, first, last, step))
            members = [(base + k - first, "%s%d" % (name, k)) for k in range(first, last + 1, step)]
        for num, member in members:
            if num > 0xfff or num in table or member in table.values():
                raise NamesError("%s: %s (0x%x): number out of range or repeated, or name repeated"
                                 % (path, member, num))
            if (num >> 8) & 3 != _PRIV[r.group(8)]:
                raise NamesError("%s: %s: privilege %s is not bits 9:8 of 0x%x"
                                 % (path, member, r.group(8), num))
            table[num] = member
    if not table:
        raise NamesError("%s: no CSRs defined" % path)
    return table


_CAUSE_ROW = re.compile(r"(EXC|IRQ)\s*\(\s*(\d+)\s*,\s*([a-z][a-z0-9_]*)\s*,\s*([A-Z][A-Z0-9_]*)\s*\)")


def causes(path=None):
    """{mcause: name} for every cause of sim/cpu/causes.def: an exception's key is its
    code, an interrupt's INTERRUPT | code (so the trace's `interrupt` event, whose cause
    has no interrupt bit, looks up INTERRUPT | cause)."""
    path = path or find_def("causes.def")
    table = {}
    for r in _rows(path, ["EXC", "IRQ"], _CAUSE_ROW):
        code = int(r.group(2))
        key = code | (INTERRUPT if r.group(1) == "IRQ" else 0)
        if code >= 64 or key in table or r.group(3) in table.values():
            raise NamesError("%s: %s %d: code out of range or repeated, or name repeated"
                             % (path, r.group(3), code))
        table[key] = r.group(3)
    if not table:
        raise NamesError("%s: no causes defined" % path)
    return table
