"""Session files parsed as the JSON a convscope writes, whatever bytes they actually hold.

Whatever ``json.loads`` refuses, and whatever it accepts beyond ``core.plain_data``'s
bounds (and ``NaN``, which no convscope writes), becomes one CorruptSessionError line
naming the file: one bad file costs one session, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from convscope.core.plain_data import MAX_DEPTH, parser_complaint, plain_data_problem
from convscope.sessions.errors import CorruptSessionError


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
        raise CorruptSessionError(f"{where}: not valid JSON ({parser_complaint(exc)})") from None
    problem = plain_data_problem(value)
    if problem is not None:
        raise CorruptSessionError(f"{where}: {problem}")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")
