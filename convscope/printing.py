"""The console the commands print their tables to.

On a terminal rich fits the tables to its width; into a file or a pipe it would assume 80
columns and drop or squeeze columns, so there every command prints as wide as a wide
terminal instead.
"""

from __future__ import annotations

import sys

from rich.console import Console

PIPE_WIDTH = 160


def stdout_console() -> Console:
    return Console(highlight=False, width=None if sys.stdout.isatty() else PIPE_WIDTH)
