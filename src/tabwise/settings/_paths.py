"""Where tabwise keeps its files (DESIGN §2)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = ["Paths", "make_private", "resolve_paths"]

APP_NAME = "tabwise"


def make_private(path: Path, mode: int) -> None:
    """Give ``path`` exactly ``mode`` if group or others have any access (DESIGN §7:
    transcripts and the token are readable by the user alone)."""
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass


@dataclass(frozen=True, slots=True)
class Paths:
    """Locations of the settings file, the archive, the server token and the logs."""

    settings_file: Path
    db_file: Path
    token_file: Path
    logs_dir: Path

    def ensure_dirs(self) -> None:
        """Create tabwise's directories, 0700; existing ones are made 0700 too."""
        for d in {self.settings_file.parent, self.db_file.parent, self.logs_dir}:
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
            make_private(d, 0o700)


def resolve_paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """``home`` (``--home``), else ``$TABWISE_HOME``, else the platform's user dirs."""
    home = home or os.environ.get("TABWISE_HOME") or None
    if home:
        root = Path(home).expanduser().resolve()
        return Paths(
            settings_file=root / "settings.toml",
            db_file=root / "tabwise.db",
            token_file=root / "server.token",
            logs_dir=root / "logs",
        )
    config = Path(platformdirs.user_config_dir(APP_NAME))
    data = Path(platformdirs.user_data_dir(APP_NAME))
    return Paths(
        settings_file=config / "settings.toml",
        db_file=data / "tabwise.db",
        token_file=data / "server.token",
        logs_dir=Path(platformdirs.user_log_dir(APP_NAME)),
    )
