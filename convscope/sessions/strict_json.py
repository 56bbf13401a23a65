"""Session files parsed as the JSON a convscope writes, whatever bytes they actually hold.

``json.loads`` alone lets through what no convscope ever writes and what later code cannot
take: nesting thousands deep (a RecursionError in the parser, or later in pydantic or an
exporter), ``NaN``/``Infinity`` and ``1e999`` (which becomes infinity), integers of
thousands of digits (Python refuses to print them), and strings with lone surrogates
(which cannot be printed or written as UTF-8). Each of these becomes one
CorruptSessionError line naming the file, so that one bad file costs one session, never
a traceback.
"""

from __future__ import annotations

import json
import math
from typing import Any

from convscope.sessions.errors import CorruptSessionError

MAX_DEPTH = 64
"""Far above what a session nests (about ten levels), far below any recursion limit."""

_INT_RANGE = range(-(2**63), 2**63)


def parse_json(data: bytes, where: str) -> Any:
    """The JSON value in ``data``, or a one-line CorruptSessionError about ``where``."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise CorruptSessionError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise CorruptSessionError(f"{where}: not UTF-8 text") from None
    except RecursionError:
        raise CorruptSessionError(f"{where}: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an integer too long to convert, a NaN or Infinity
        raise CorruptSessionError(f"{where}: not valid JSON ({_first_sentence(exc)})") from None
    problem = _first_problem(value)
    if problem is not None:
        raise CorruptSessionError(f"{where}: {problem}")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _first_sentence(exc: ValueError) -> str:
    return " ".join(str(exc).split(":")[0].split())


def _first_problem(value: Any) -> str | None:
    """What makes a parsed value unlike anything convscope writes, found without recursion."""
    pending: list[tuple[Any, int]] = [(value, 0)]
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
            return "a number too large for a float"
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
