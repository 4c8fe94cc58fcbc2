"""Log to ``logs/tabwise.log`` in the tabwise home (rotated; never a secret in it)."""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from pathlib import Path
from typing import cast

__all__ = ["setup_logging"]


class _Redact(logging.Filter):
    """Scrub API keys from every record, whatever a library put in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .settings import redact_secrets

        message = record.getMessage()
        clean = redact_secrets(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class _PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files only the user can read (they hold session ids, paths
    and error details): each file is 0600 from the moment it is opened."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)
        stream = open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115
        return cast(io.TextIOWrapper, stream)


def setup_logging(logs_dir: Path, level: int = logging.INFO) -> Path:
    """Send tabwise's log records to a rotating file; returns its path."""
    logs_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if logs_dir.stat().st_mode & 0o077:
        os.chmod(logs_dir, 0o700)
    path = logs_dir / "tabwise.log"
    handler = _PrivateFileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    handler.addFilter(_Redact())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("tabwise")
    root.setLevel(level)
    root.addHandler(handler)
    return path
