"""Ring layouts for the trace tools, read from the simulator's own table.

sim/virtio/ring_split.def gives every field of the split virtqueue (virtio 1.2 §2.7.5,
§2.7.6, §2.7.8) as RING_FIELD(area, field, "label", offset, width); the C device side
expands the same file, so the tools and the simulator cannot disagree on an address.
Offsets are evaluated by a whitelist over Python's own parser (integers, N, i, + and *),
never by eval. Standard library only.
"""

import ast
import os
import re

import rt_deftab

__all__ = ["LayoutError", "Field", "Layout", "find_def", "load"]


class LayoutError(Exception):
    """A layout table that cannot be read or is not in the shape the C side expects."""


_OPS = {ast.Add: lambda a, b: a + b, ast.Mult: lambda a, b: a * b}
_VARS = ("N", "i")


def _check(node, text):
    """The offset's tree, if it uses only integers, N, i, + and *."""
    if isinstance(node, ast.Expression):
        _check(node.body, text)
    elif isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0:
        pass
    elif isinstance(node, ast.Name) and node.id in _VARS:
        pass
    else:
        raise LayoutError("offset %r: only integers, N, i, + and * are allowed" % text)


def _eval(node, env):
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.BinOp):
        return _OPS[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.Constant):
        return node.value
    return env[node.id]


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class Field:
    """One row: area, field, label ("avail.ring[i]"), offset expression, width."""

    def __init__(self, area, field, label, offset, width):
        try:
            tree = ast.parse(offset, mode="eval")
        except SyntaxError:
            raise LayoutError("offset %r is not an expression" % offset) from None
        _check(tree, offset)
        self.area, self.field, self.label, self.offset_text, self.width = area, field, label, offset, width
        self._tree = tree
        uses = _names(tree)
        self.indexed = "i" in uses          # an array: one entry per index
        self.needs_size = "N" in uses       # placed after an array of N entries

    def offset(self, size, index=0):
        """Bytes from the area's start for queue size `size` and entry `index`."""
        return _eval(self._tree, {"N": size, "i": index})

    def name(self, index=0):
        """The label with the index filled in: "desc[3]", "avail.idx"."""
        return self.label.replace("[i]", "[%d]" % index)


class Layout:
    """A layout's rows, looked up by (area, field)."""

    def __init__(self, fields):
        self.fields = fields
        self._by = {(f.area, f.field): f for f in fields}

    def field(self, area, field):
        try:
            return self._by[(area, field)]
        except KeyError:
            raise LayoutError("no field %s.%s in the layout" % (area, field)) from None


def find_def(name="ring_split.def"):
    """The table: beside this module (where `make install` puts it), else in the source
    tree this module came from (sim/virtio/)."""
    path = rt_deftab.find(name, os.path.join("sim", "virtio"))
    if not os.path.exists(path):
        raise LayoutError("cannot find %s beside %s or in the source tree" % (name, os.path.dirname(path)))
    return path


_IDENT = re.compile(r"^[A-Za-z_]\w*$")
_LABEL = re.compile(r'^"([^"\\]*)"$')

_cache = {}


def load(path=None):
    """Parses a layout table (default: the split ring's) into a Layout; LayoutError if
    it is not what the C preprocessor would accept in the shape ring_split.c expects."""
    path = path or find_def()
    if path in _cache:
        return _cache[path]
    fields = []
    text = rt_deftab.read(path, LayoutError, "the ring layout ")
    for _, body, _line in rt_deftab.calls(text, ["RING_FIELD"], path, LayoutError):
        parts = rt_deftab.split_args(body)
        label = _LABEL.match(parts[2]) if len(parts) == 5 else None
        if (not label or not _IDENT.match(parts[0]) or not _IDENT.match(parts[1])
                or not parts[4].isdigit() or int(parts[4]) == 0):
            raise LayoutError("%s: malformed RING_FIELD(%s)" % (path, body.strip()))
        try:
            fields.append(Field(parts[0], parts[1], label.group(1), parts[3], int(parts[4])))
        except LayoutError as e:
            raise LayoutError("%s: %s" % (path, e)) from None
    if not fields:
        raise LayoutError("%s: no fields defined" % path)
    if len({(f.area, f.field) for f in fields}) != len(fields):
        raise LayoutError("%s: a field is defined twice" % path)
    _cache[path] = layout = Layout(fields)
    return layout
