"""One session being run, whoever watches it: the headless console, a sweep or the TUI.

:class:`~convscope.runtime.session.SessionRuntime` puts together what every front end
needs (the engine, the writer recording it, the protocol's metrics tracker) and runs it
on the caller's loop; :class:`~convscope.runtime.thread.SessionThread` runs it on a thread
and loop of its own, for a front end whose own loop must stay free (the TUI).
"""
