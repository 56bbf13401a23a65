"""What can go wrong when finding, reading or writing a session. Messages are one line."""

from __future__ import annotations

from convscope.core.errors import ConvscopeError


class SessionNotFoundError(ConvscopeError, LookupError):
    """No session matches the id, prefix or path (or a prefix matches several)."""


class CorruptSessionError(ConvscopeError, ValueError):
    """A session's files cannot be read as a session. The files are left exactly as they were."""


class SessionLockedError(ConvscopeError, RuntimeError):
    """Another live process is writing this session."""
