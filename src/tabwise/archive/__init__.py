"""The session archive (DESIGN §7): sessions, messages and approvals in SQLite.

One writer thread commits everything in order, so callers on the event loop never wait
on the disk; reads run in worker threads on their own WAL connection.
"""

from ._errors import (
    AmbiguousSessionPrefix,
    ArchiveTooNew,
    ArchiveUnreadable,
    UnknownSessionPrefix,
    one_with_prefix,
)
from ._fork import ForkSession
from ._rows import SessionRow, TerminalSnapshot
from ._schema import CURRENT_VERSION
from ._store import Archive

__all__ = [
    "CURRENT_VERSION",
    "AmbiguousSessionPrefix",
    "Archive",
    "ArchiveTooNew",
    "ArchiveUnreadable",
    "ForkSession",
    "SessionRow",
    "TerminalSnapshot",
    "UnknownSessionPrefix",
    "one_with_prefix",
]
