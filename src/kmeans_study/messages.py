"""How a value from the user's input is shown in an error message.

Every config and data error that echoes a value (a config entry, a CSV cell, a column name, a
path) formats it with ``shown``: a repr cut to a readable length. The work is bounded too, not only
the output: ``reprlib`` looks at a few items per level and a few levels deep, so a value built from
nested YAML aliases (millions of items sharing a few objects) is shown as quickly as a short one.
"""

from __future__ import annotations

import reprlib

LIMIT = 100  # characters of a shown value, before the note of its full size

_REPR = reprlib.Repr()  # keyword arguments need Python 3.12
_REPR.maxlevel = 3
_REPR.maxtuple = _REPR.maxlist = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdeque = 6
_REPR.maxstring, _REPR.maxlong, _REPR.maxother = LIMIT, 40, LIMIT


def shown(value, limit: int = LIMIT) -> str:
    """``repr(value)`` for a message: at most about ``limit`` characters, with the full size noted
    when it was cut (``'aaaa...' (5000 chars)``, ``[1, 2, 3, 4, 5, 6, ...] (9 items)``)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # np.True_, np.float64(1.5) -> True, 1.5
    text = _REPR.repr(value)
    note = ""
    if isinstance(value, str) and len(value) > limit:
        note = f" ({len(value)} chars)"
    elif isinstance(value, (list, tuple, dict, set)) and len(value) > 6:
        note = f" ({len(value)} items)"
    if len(text) > limit:
        text = text[:limit] + "..."
    return text + note


def shown_name(name) -> str:
    """A key, column or file name inside a message: its text (not its repr) when it is a short
    string, else ``shown``."""
    if isinstance(name, str) and len(name) <= LIMIT and name.isprintable():
        return name
    return shown(name)
