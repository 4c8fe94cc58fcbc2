"""The bearer token clients must present (``server.token``, mode 0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["load_or_create_token"]


def load_or_create_token(path: Path) -> str:
    """Read the token, creating it (readable by the owner only) on first serve."""
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            return token
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return token
