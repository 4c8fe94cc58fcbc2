"""Errors of the archive, all :class:`~tabwise.errors.ArchiveError` subclasses.

::

    ArchiveError (internal)
    ├── ArchiveUnreadable (internal)        the file is damaged or not a database
    ├── ArchiveTooNew (internal)            written by a newer tabwise
    ├── UnknownSessionPrefix (session_not_found)
    └── AmbiguousSessionPrefix (invalid_params)
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ArchiveError

__all__ = [
    "AmbiguousSessionPrefix",
    "ArchiveTooNew",
    "ArchiveUnreadable",
    "UnknownSessionPrefix",
    "one_with_prefix",
]


def _move_aside_hint(path: Path) -> str:
    return (
        f"If the file is damaged, move it aside (for example `mv '{path}' '{path}.broken'`) "
        "and tabwise will start a new, empty archive; it never replaces the file by itself."
    )


class ArchiveUnreadable(ArchiveError):
    """The archive file cannot be opened as an SQLite database."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"tabwise cannot read its session archive {path} ({reason}). "
            + _move_aside_hint(path)
        )
        self.path = path


class ArchiveTooNew(ArchiveError):
    """The archive was written by a newer tabwise with a schema this one does not know."""

    def __init__(self, path: Path, version: int, supported: int) -> None:
        super().__init__(
            f"The session archive {path} has schema version {version}, but this tabwise only "
            f"knows versions up to {supported}; upgrade tabwise, or move the file aside "
            f"(for example `mv '{path}' '{path}.newer'`) to start a new archive."
        )
        self.path = path
        self.version = version


class UnknownSessionPrefix(ArchiveError):
    """No session id starts with the given prefix."""

    code = "session_not_found"

    def __init__(self, prefix: str) -> None:
        super().__init__(
            f"No session id starts with {prefix!r}; `tabwise sessions list` "
            "shows the ids."
        )
        self.prefix = prefix


class AmbiguousSessionPrefix(ArchiveError):
    """The prefix is empty or matches more than one session id."""

    code = "invalid_params"

    def __init__(self, prefix: str, matches: list[str]) -> None:
        if not prefix:
            message = "Give at least the first few characters of a session id."
        else:
            shown = ", ".join(matches[:5]) + (", ..." if len(matches) > 5 else "")
            message = (
                f"Session id prefix {prefix!r} matches {len(matches)} sessions ({shown}); "
                "type more characters."
            )
        super().__init__(message)
        self.prefix = prefix
        self.matches = matches


def one_with_prefix(prefix: str, matches: list[str]) -> str:
    """The one id of ``matches`` (the ids starting with ``prefix``) a user meant: a
    full id wins even if it prefixes another one. Raises
    :class:`UnknownSessionPrefix` or :class:`AmbiguousSessionPrefix` (also for an empty
    prefix)."""
    if not prefix:
        raise AmbiguousSessionPrefix(prefix, [])
    if prefix in matches:
        return prefix
    if not matches:
        raise UnknownSessionPrefix(prefix)
    if len(matches) > 1:
        raise AmbiguousSessionPrefix(prefix, matches)
    return matches[0]
