"""The driver checker's rules, read from the C table (sim/check/rules.def).

`ringside run --check-driver` reports a broken rule as a driver_violation event that
names the rule's id and its clause of virtio 1.2; this module reads the same table at
run time, as ringside_trace reads trace/events.def, so the Python tools, the generated
docs/conformance.md and the simulator cannot disagree on a rule. Standard library only.

    for r in rt_check.rules():
        print(r.id, r.clause, r.text)
"""

import collections
import os
import re

import rt_deftab

__all__ = ["RulesError", "Rule", "find_rules_def", "rules", "rule", "SEVERITIES"]

SEVERITIES = ("must", "protocol")

Rule = collections.namedtuple("Rule", "id clause severity at text explain example line")


class RulesError(Exception):
    """A table that cannot be read, or is not in the shape its header comment gives."""


def find_rules_def(name="rules.def"):
    """Path of the rule table: beside this module first (where `make install` puts it),
    else in the source tree (trace/../sim/check/)."""
    return rt_deftab.find(name, os.path.join("sim", "check"))


_ID = re.compile(r"[a-z][a-z0-9_]*$")
_CLAUSE = re.compile(r"[1-9][0-9]*(\.[0-9]+)*$")
_EVENT = re.compile(r"[a-z][a-z0-9_]*$")


def _string(arg, path, line, what):
    """A C string literal's text (no escapes but \\n, which the table allows)."""
    m = re.fullmatch(r'"([^"\\]*(?:\\n[^"\\]*)*)"', arg)
    if not m:
        raise RulesError('%s:%d: %s is not a plain "..." string' % (path, line, what))
    return m.group(1).replace("\\n", "\n")


def rules(path=None):
    """The rules of the table, in catalogue order; RulesError if it breaks its rules."""
    path = path or find_rules_def()
    out, seen = [], set()
    text = rt_deftab.read(path, RulesError, "the driver checker's rules ")
    for _, body, line in rt_deftab.calls(text, ["RULE"], path, RulesError):
        args = rt_deftab.split_args(body)
        if len(args) != 7:
            raise RulesError("%s:%d: RULE takes 7 arguments, not %d" % (path, line, len(args)))
        rid, clause, sev, at, text_, explain, example = args
        if not _ID.match(rid) or rid in seen:
            raise RulesError("%s:%d: rule id %r is not a new lower-case identifier" % (path, line, rid))
        seen.add(rid)
        clause = _string(clause, path, line, "the clause")
        if not _CLAUSE.match(clause):
            raise RulesError("%s:%d: %s: clause %r is not a section number" % (path, line, rid, clause))
        if sev not in SEVERITIES:
            raise RulesError("%s:%d: %s: severity %r is not one of %s" % (path, line, rid, sev,
                                                                          ", ".join(SEVERITIES)))
        at = _string(at, path, line, "the event")
        events = () if at == "-" else tuple(at.split("|"))
        if any(not _EVENT.match(e) for e in events):
            raise RulesError("%s:%d: %s: %r names no events" % (path, line, rid, at))
        fields = [_string(a, path, line, w) for a, w in
                  ((text_, "the text"), (explain, "the explanation"), (example, "the example"))]
        if not all(fields):
            raise RulesError("%s:%d: %s: empty text, explanation or example" % (path, line, rid))
        out.append(Rule(rid, clause, sev, events, fields[0], fields[1], fields[2], line))
    if not out:
        raise RulesError("%s: no rules defined" % path)
    return out


def rule(rid, path=None):
    """The rule called rid, or None."""
    for r in rules(path):
        if r.id == rid:
            return r
    return None
