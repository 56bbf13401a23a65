"""A seeded mutator for the fuzz tests: real files, damaged the ways hostile files are.

Two kinds of damage, mixed: bytes (flipped, cut, repeated, inserted, truncated), and
structure (one value anywhere in the parsed file replaced by a hostile one, written back as
raw text so that values no serialiser would write, such as nesting 5,000 deep, get in).
The same seed gives the same mutants, so a failure names a reproducible case.
"""

from __future__ import annotations

import json
import random
import tomllib
from typing import Any

import tomli_w

PLACEHOLDER = "MUTANT-PLACEHOLDER"

HOSTILE_JSON = (
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    "[" * 70 + "]" * 70,
    "9" * 4300,
    "9" * 4301,
    "18446744073709551616",
    "-1e18",
    "1e999",
    "NaN",
    "-Infinity",
    '"\\udc80"',
    '"\\u001b]0;pwned\\u0007\\u009b2J"',
    '"' + "x" * 100_000 + '"',
    "null",
    "true",
    "[]",
    "{}",
    '""',
    "0",
    "-1",
    "0.5",
    '["turn"]',
    '{"turn": 1}',
)

HOSTILE_TOML = (
    "[" * 50_000 + "]" * 50_000,
    "{a=" * 3000 + "1" + "}" * 3000,
    "[" * 70 + "]" * 70,
    "9" * 5000,
    "9" * 4300,
    "0x7fffffffffffffff",
    "-9223372036854775809",
    "inf",
    "-nan",
    "1e400",
    "-1e18",
    '"\\u001b[2J\\u009b"',
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "true",
    "[]",
    "{}",
    '""',
    "0",
    "-1",
    "[1, 2]",
    "{ id = 3 }",
)


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One byte-level damage, anywhere in ``data``."""
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randint(1, 64))
    operation = rng.choice(("flip", "cut", "repeat", "insert", "truncate", "high bytes"))
    if operation == "flip":
        return data[:start] + bytes([data[start] ^ (1 << rng.randrange(8))]) + data[start + 1 :]
    if operation == "cut":
        return data[:start] + data[end:]
    if operation == "repeat":
        return data[:end] + data[start:end] * rng.randint(1, 50) + data[end:]
    if operation == "insert":
        return data[:start] + rng.choice((b"\n", b"{", b"]", b'"', b"\\", b"\x00", b",", b":")) + data[start:]
    if operation == "truncate":
        return data[:start]
    return data[:start] + bytes(rng.randrange(128, 256) for _ in range(end - start)) + data[end:]


def _paths(value: Any) -> list[tuple[Any, ...]]:
    """The path of every value inside ``value`` (dict keys and list indices), root first."""
    found: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while pending:
        item, path = pending.pop()
        found.append(path)
        if isinstance(item, dict):
            pending.extend((child, (*path, key)) for key, child in item.items())
        elif isinstance(item, list):
            pending.extend((child, (*path, index)) for index, child in enumerate(item))
    return found


def replace_somewhere(value: Any, rng: random.Random, replacement: Any = PLACEHOLDER) -> Any:
    """``value`` with one of its inner values (never the root) replaced, or deleted if a dict key."""
    paths = [path for path in _paths(value) if path] or [()]
    path = rng.choice(paths)
    if not path:
        return replacement
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and rng.random() < 0.15:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return value


def mutate_json_text(text: bytes, rng: random.Random) -> bytes:
    """One JSON value (or one key) of ``text`` replaced by hostile raw JSON."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return mutate_bytes(text, rng)
    mutated = json.dumps(replace_somewhere(parsed, rng), ensure_ascii=False)
    return mutated.replace(json.dumps(PLACEHOLDER), rng.choice(HOSTILE_JSON), 1).encode()


def mutate_toml_text(text: str, rng: random.Random) -> str:
    """One TOML value (or one key) of ``text`` replaced by hostile raw TOML."""
    mutated = tomli_w.dumps(replace_somewhere(tomllib.loads(text), rng))
    return mutated.replace(json.dumps(PLACEHOLDER), rng.choice(HOSTILE_TOML), 1)
