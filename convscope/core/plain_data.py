"""What convscope stores: plain data within the bounds that every reader and writer takes.

Parsers accept more than that: JSON and TOML nesting thousands deep (a RecursionError in
the parser, or later in pydantic or an exporter), integers of thousands of digits (Python
refuses to print them; TOML allows only 64 bits), NaN and infinities (a session file is
strict JSON, so its writer would refuse them), strings with lone surrogates (which cannot
be printed or written as UTF-8). Config files and session files are both held to these
bounds, so that every config that runs gives a session that reads back.
"""

from __future__ import annotations

import math

MAX_DEPTH = 64
"""Far above what a config or a session nests (about ten levels), far below any recursion limit."""

_INT_RANGE = range(-(2**63), 2**63)


def plain_data_problem(value: object) -> str | None:
    """What puts ``value`` outside those bounds (one line), or None. Never recurses."""
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            children = [*item, *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            if not item.isascii() and not _encodable(item):
                return "a string with a lone surrogate (not text)"
        elif type(item) is int:
            if item not in _INT_RANGE:
                return "an integer outside 64 bits"
        elif isinstance(item, float) and not math.isfinite(item):
            return f"a number that is not finite ({item})"
    return None


def parser_complaint(exc: ValueError) -> str:
    """The gist of a parser's ValueError, e.g. Python's "Exceeds the limit (4300 digits) for
    integer string conversion" without its advice on raising the limit."""
    return " ".join(str(exc).split(":")[0].split())


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
