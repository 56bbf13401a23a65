"""A child process that records a conversation through a real SessionWriter, reporting each turn.

Usage: python writer_process.py forever   - records until it is killed
       python writer_process.py hold N    - records N turns, waits for stdin to close, exits without close()
It prints the session id first, then "turn <index>" once each turn is journalled.
"""

from __future__ import annotations

import os
import sys
from itertools import count

from convscope.sessions.store import SessionStore
from tests.sessions.builders import conversation, make_config


def main() -> None:
    limit = int(sys.argv[2]) if sys.argv[1] == "hold" else None
    writer = SessionStore().create(make_config())
    print(writer.session_id, flush=True)
    for index in count():
        if index == limit:
            sys.stdin.read()
            os._exit(0)  # a process that ends without closing its writer
        for event in conversation(1, start=index):
            writer.on_event(event)
        print(f"turn {index}", flush=True)


if __name__ == "__main__":
    main()
