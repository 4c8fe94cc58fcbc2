"""What a front end needs to know about the running core (``get_app_info``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..settings import KeysSettings

__all__ = ["AppInfo"]


@dataclass(frozen=True, slots=True)
class AppInfo:
    """The core's settings file, whether tabs are kept, and the settings a front end
    draws with (``get_settings`` has them all, redacted).

    ``settings_errors`` lists what was invalid in the settings file when it was last
    read: the core started anyway, with the default for each invalid value;
    ``settings_warnings`` what it ignored (unknown keys and the like)."""

    settings_file: str
    persistent: bool
    restore_on_start: bool
    settings_errors: tuple[str, ...] = ()
    keys: KeysSettings = field(default_factory=KeysSettings)
    warning_threshold: float = 0.75
    scrollback: int = 10000
    settings_warnings: tuple[str, ...] = ()
