"""The archive's tables, connections and schema migrations (DESIGN §7).

``PRAGMA user_version`` holds the schema version. ``MIGRATIONS[n]`` upgrades a database
from version ``n`` to ``n + 1``; the current version is ``len(MIGRATIONS)``. A new, empty
file is created at version 1 and then takes the same later steps. Before migrating an
existing file it is copied to ``<db>.bak-v<old>``, and the upgrade runs in one
transaction, so a failure leaves the file as it was.

Version 0 is the unversioned layout from before ``user_version`` was set (sessions keyed
by ``id`` with a ``cwd`` column, a bare ``messages`` table, no audit). Version 1 adds tab
positions, per-tab allowed tools, cached counters, the live-context table and the audit.
Later steps are listed (and documented) in ``MIGRATIONS``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pydantic

from ..errors import ArchiveError
from ..settings import make_private
from ._codec import first_prompt, load_messages
from ._errors import ArchiveTooNew, ArchiveUnreadable
from ._fork import add_forked_from
from ._unfinished import add_unfinished_turns

__all__ = ["CURRENT_VERSION", "MIGRATIONS", "connect", "prepare_database"]

log = logging.getLogger("tabwise.archive")

# Transcript rows hold every message ever appended and are never rewritten. The live
# context is `context_messages` (what clear/compaction put in place, often nothing)
# followed by the transcript from `sessions.context_from` on, so appending a turn is one
# insert and replacing the context never copies the transcript.
SCHEMA_V1: tuple[str, ...] = (
    """CREATE TABLE sessions (
        session_id        TEXT PRIMARY KEY,
        name              TEXT NOT NULL,
        working_directory TEXT NOT NULL,
        created_at        REAL NOT NULL,
        updated_at        REAL NOT NULL,
        closed_at         REAL,
        position          INTEGER NOT NULL DEFAULT 0,
        provider          TEXT,
        model             TEXT,
        always_allow      TEXT NOT NULL DEFAULT '[]',
        message_count     INTEGER NOT NULL DEFAULT 0,
        first_prompt      TEXT,
        context_from      INTEGER NOT NULL DEFAULT 0
    )""",
    # The tab bar (open sessions by position) and the history browser (by recency).
    "CREATE INDEX sessions_open ON sessions (position, created_at) WHERE closed_at IS NULL",
    "CREATE INDEX sessions_by_updated ON sessions (updated_at)",
    # A rowid table (not WITHOUT ROWID): bodies are often several KB, too big for the
    # clustered-key layout to pay off; the unique index gives ordered per-session scans.
    """CREATE TABLE messages (
        id         INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        body       BLOB NOT NULL
    )""",
    "CREATE UNIQUE INDEX messages_by_session ON messages (session_id, seq)",
    """CREATE TABLE context_messages (
        id         INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        body       BLOB NOT NULL
    )""",
    "CREATE UNIQUE INDEX context_by_session ON context_messages (session_id, seq)",
    """CREATE TABLE approvals (
        id         INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        tool_name  TEXT NOT NULL,
        args       TEXT NOT NULL,
        decision   TEXT NOT NULL,
        reason     TEXT,
        ts         REAL NOT NULL
    )""",
    "CREATE INDEX approvals_by_session ON approvals (session_id, id)",
)


def _v0_to_v1(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE sessions RENAME TO sessions_v0")
    conn.execute("ALTER TABLE messages RENAME TO messages_v0")
    for statement in SCHEMA_V1:
        conn.execute(statement)
    conn.execute(
        """INSERT INTO sessions (session_id, name, working_directory, created_at, updated_at,
                                 closed_at, position, provider, model, message_count)
           SELECT s.id, s.name, s.cwd, s.created_at, s.updated_at, s.closed_at,
                  row_number() OVER (ORDER BY s.created_at, s.id) - 1, s.provider, s.model,
                  (SELECT count(*) FROM messages_v0 m WHERE m.session_id = s.id)
           FROM sessions_v0 s"""
    )
    # Renumber from 0 without gaps: message_count doubles as the next seq.
    conn.execute(
        """INSERT INTO messages (session_id, seq, body)
           SELECT session_id, row_number() OVER (PARTITION BY session_id ORDER BY seq) - 1,
                  CAST(body AS BLOB)
           FROM messages_v0 WHERE session_id IN (SELECT id FROM sessions_v0)"""
    )
    conn.execute("DROP TABLE sessions_v0")
    conn.execute("DROP TABLE messages_v0")
    # first_prompt is new: derive it from the first few messages of each session.
    for (sid,) in conn.execute("SELECT session_id FROM sessions").fetchall():
        bodies = [b for (b,) in conn.execute(
            "SELECT body FROM messages WHERE session_id = ? ORDER BY seq LIMIT 4", (sid,))]
        try:
            prompt = first_prompt(load_messages(bodies))
        except pydantic.ValidationError:
            log.warning("session %s: first messages are not valid pydantic-ai JSON", sid)
            continue
        conn.execute("UPDATE sessions SET first_prompt = ? WHERE session_id = ?", (prompt, sid))


# Usage and cost per provider/model, and the tool approvals a tab is waiting for with
# the turn they belong to (DESIGN §4, §7; see _pending.py and _extra.py).
SCHEMA_USAGE_PENDING: tuple[str, ...] = (
    """CREATE TABLE usage (
        session_id        TEXT NOT NULL,
        provider          TEXT NOT NULL,
        model             TEXT NOT NULL,
        input_tokens      INTEGER NOT NULL DEFAULT 0,
        output_tokens     INTEGER NOT NULL DEFAULT 0,
        requests          INTEGER NOT NULL DEFAULT 0,
        cost_usd          REAL,
        unpriced_requests INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (session_id, provider, model)
    )""",
    # One waiting turn per session at most (one turn at a time): the conversation up to
    # and including the model's tool calls, to continue it from.
    """CREATE TABLE pending_turns (
        session_id TEXT PRIMARY KEY,
        context    BLOB NOT NULL,
        unsaved    BLOB NOT NULL,
        created_at REAL NOT NULL,
        compacted  INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE pending_approvals (
        session_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        position   INTEGER NOT NULL,
        tool_name  TEXT NOT NULL,
        args       TEXT NOT NULL,
        risk       TEXT NOT NULL,
        created_at REAL NOT NULL,
        decision   TEXT,
        reason     TEXT,
        PRIMARY KEY (session_id, request_id)
    )""",
)


def _add_usage_and_pending(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA_USAGE_PENDING:
        conn.execute(statement)


def _add_terminal_snapshots(conn: sqlite3.Connection) -> None:
    """Each tab's last terminal screen and scrollback (rendered text with SGR styling,
    replayed above the new shell's prompt on restore), and small app-wide values such
    as which tab was active. New tables only, so this step commutes with other
    additive steps."""
    conn.execute(
        """CREATE TABLE terminal_snapshots (
            session_id TEXT PRIMARY KEY,
            saved_at   REAL NOT NULL,
            rows       INTEGER NOT NULL,
            cols       INTEGER NOT NULL,
            data       BLOB NOT NULL
        )""")
    conn.execute(
        """CREATE TABLE app_state (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""")


# Steps are additive (new tables only); their order is the order they landed in.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v0_to_v1, _add_usage_and_pending, _add_terminal_snapshots,
    add_forked_from,  # which session a fork came from (_fork.py)
    add_unfinished_turns,  # turns that failed or were cancelled (_unfinished.py)
]
CURRENT_VERSION = len(MIGRATIONS)


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any
    thread (each connection is only ever used by one thread at a time)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                           cached_statements=256)
    # NORMAL in WAL mode: a crash can lose the last commits but never corrupts the file.
    conn.execute("PRAGMA synchronous = NORMAL")
    # Another tabwise process (e.g. `tabwise sessions rm`) may hold the write lock briefly.
    conn.execute("PRAGMA busy_timeout = 5000")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    return conn


def make_files_private(path: Path) -> None:
    """Create the database file 0600 (SQLite gives its -wal and -shm the same mode) and
    make existing ones 0600: they hold transcripts (DESIGN §7)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError:
        return  # connect() reports an unusable path
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        make_private(p, 0o600)


def prepare_database(path: Path) -> None:
    """Create or upgrade the archive at ``path`` and switch it to WAL.

    Raises :class:`ArchiveUnreadable` for a damaged file and :class:`ArchiveTooNew` for a
    newer schema; the file is never replaced.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_files_private(path)
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        raise ArchiveUnreadable(path, str(exc)) from exc
    try:
        try:
            version, tables = _inspect(conn)
        except sqlite3.DatabaseError as exc:
            raise ArchiveUnreadable(path, str(exc)) from exc
        if version > CURRENT_VERSION:
            raise ArchiveTooNew(path, version, CURRENT_VERSION)
        backup = None
        if version < CURRENT_VERSION and tables:
            backup = _backup(conn, path, version)
        conn.execute("PRAGMA journal_mode = WAL")
        if version < CURRENT_VERSION:
            _upgrade(conn, path, backup)
    finally:
        conn.close()


def _inspect(conn: sqlite3.Connection) -> tuple[int, int]:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    # Reading the schema makes SQLite parse the header and first page: this is where a
    # file of garbage bytes fails.
    tables: int = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    return version, tables


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    target = Path(f"{path}.bak-v{version}")
    n = 1
    while target.exists():  # never overwrite an earlier backup
        n += 1
        target = Path(f"{path}.bak-v{version}.{n}")
    # The backup API copies a consistent snapshot, including what is still in the WAL.
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    make_private(target, 0o600)
    log.info("backed up %s to %s before upgrading it", path, target)
    return target


def _upgrade(conn: sqlite3.Connection, path: Path, backup: Path | None) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have upgraded meanwhile.
        version, tables = _inspect(conn)
        if not tables:
            # A new file starts at version 1 and takes the later steps like any other.
            for statement in SCHEMA_V1:
                conn.execute(statement)
            version = 1
        for migrate in MIGRATIONS[version:]:
            migrate(conn)
        conn.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK")
        where = f"; a copy from before the upgrade is at {backup}" if backup else ""
        raise ArchiveError(
            f"Upgrading the session archive {path} to schema version {CURRENT_VERSION} "
            f"failed ({exc}); the file was left unchanged{where}. Please report this, or "
            f"move the file aside to start a new archive."
        ) from exc
