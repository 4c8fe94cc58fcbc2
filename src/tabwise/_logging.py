"""Log to ``logs/tabwise.log`` in the tabwise home (rotated; never a secret in it)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

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


def setup_logging(logs_dir: Path, level: int = logging.INFO) -> Path:
    """Send tabwise's log records to a rotating file; returns its path."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / "tabwise.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler.addFilter(_Redact())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("tabwise")
    root.setLevel(level)
    root.addHandler(handler)
    return path
