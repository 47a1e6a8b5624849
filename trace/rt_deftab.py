"""Reading the simulator's X-macro tables from Python: trace/events.def,
sim/cpu/csrs.def and causes.def, sim/virtio/ring_split.def and virtio_names.def. One
reader, so that every table is seen the way the C preprocessor sees it: comments and
preprocessor directives (a table's default row macros, `#define ROW(...)`) blanked,
their newlines kept so that errors give true line numbers, then each use of a row
macro with its parenthesised arguments. Each table's module checks the rows' shape and
meaning. Standard library only.
"""

import os
import re

__all__ = ["find", "read", "calls", "split_args"]


def find(name, src_dir):
    """A table's path: beside this module (where `make install` puts the tables), else in
    the source tree, at src_dir (relative to the top of the tree)."""
    here = os.path.dirname(os.path.abspath(__file__))
    beside = os.path.join(here, name)
    if os.path.exists(beside):
        return beside
    return os.path.normpath(os.path.join(here, os.pardir, src_dir, name))


def read(path, error, what=""):
    """The text of a table with its comments and directives blanked; error(message) if
    unreadable. what names the table in the message ("the event definitions ")."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise error("cannot read %s%s: %s" % (what, path, e.strerror)) from None
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    # A directive runs to the end of its line, and on past lines that end in a backslash.
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                  text, flags=re.M)


def calls(text, macros, path, error):
    """(macro, body, line) for each use of one of the macro names, in order, body being
    what stands between its balanced parentheses; error(...) for an unbalanced one."""
    start = re.compile(r"\b(%s)\s*\(" % "|".join(re.escape(m) for m in macros))
    pos = 0
    while True:
        m = start.search(text, pos)
        if not m:
            return
        depth, k = 1, m.end()
        while k < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            k += 1
        line = text.count("\n", 0, m.start()) + 1
        if depth:
            raise error("%s:%d: unbalanced %s(" % (path, line, m.group(1)))
        yield m.group(1), text[m.end():k - 1], line
        pos = k


def split_args(body):
    """A macro's arguments: body split at the commas outside parentheses and quotes,
    each stripped."""
    out, depth, cur, quoted = [], 0, [], False
    for c in body:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in "()":
            depth += 1 if c == "(" else -1
        elif not quoted and c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(c)
    out.append("".join(cur).strip())
    return out
