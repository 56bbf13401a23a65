"""The root of every error a person can fix, and the two kinds the command line meets most.

The command line prints a ``ConvscopeError`` (or an ``OSError``) as one line and exits 2;
anything else that escapes a command is a bug in convscope and keeps its traceback. So an
error class derives from ``ConvscopeError`` exactly when its message is meant for the
person, already one line, naming what to change. The specific classes keep their older
built-in base too (``ValueError``, ``LookupError``), so code that caught those still does.
"""

from __future__ import annotations


class ConvscopeError(Exception):
    """Something the person can fix: a setting, a file, a session, an argument."""


class ConfigError(ConvscopeError, ValueError):
    """A config, or a protocol's options, that cannot be used."""


class UserError(ConvscopeError):
    """Command-line arguments that name nothing or do not fit together."""
