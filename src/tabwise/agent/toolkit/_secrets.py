"""Which paths look like they hold secrets (DESIGN §4).

A read or write of such a path always asks the user, whatever ``approval`` or
``always_allow`` say, and ``search_files`` never opens one while it walks a tree. The
rules look at a file's name (``.env*``, ``*.pem``, ``*.key``, ``id_*``, shell rc files,
``.netrc`` …) and at where it lies (``~/.ssh/``, ``~/.aws/`` …, and tabwise's own home:
the server token, the archive, the logs). Callers check both the path as written and the
path with every symbolic link resolved, so ``notes.md -> ~/.ssh/authorized_keys`` is
caught as well as ``~/.ssh/authorized_keys``.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SecretRules", "secret_name"]

# Matched against the file's name, case-insensitively.
_SECRET_NAMES = (
    ".env*", "*.pem", "*.key", "id_*", "credentials*", "*.p12", "*.pfx", "*.keystore",
    ".netrc", ".npmrc", ".pypirc", ".git-credentials", ".pgpass",
    # Shell start-up files: what they run, every new shell runs.
    ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc",
    ".zprofile", ".zshenv", ".zlogin", ".kshrc", ".cshrc", ".tcshrc", "config.fish",
)
_NAME_RE = re.compile("|".join(fnmatch.translate(p) for p in _SECRET_NAMES), re.IGNORECASE)

# Everything below these directories of the user's home.
_SECRET_HOME_DIRS = (".ssh", ".aws", ".gnupg", ".config/fish", ".kube", ".docker", ".azure",
                     ".config/gcloud", ".config/gh")


def secret_name(name: str) -> bool:
    """Whether a file called ``name`` looks like it holds secrets."""
    return _NAME_RE.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class SecretRules:
    """The secret list for one user: their home directory and tabwise's own files.

    ``homes`` is the home directory as ``$HOME`` names it and with its links resolved;
    ``protected`` holds tabwise's directories (settings, archive, token, logs), which
    count as secret as a whole.
    """

    homes: tuple[Path, ...]
    protected: tuple[Path, ...] = ()

    @classmethod
    def for_user(cls, protected: tuple[Path, ...] = ()) -> SecretRules:
        """Rules for the current ``$HOME``, with tabwise's directories resolved."""
        home = os.path.expanduser("~")
        homes = dict.fromkeys((Path(home), Path(os.path.realpath(home))))
        roots = dict.fromkeys(Path(os.path.realpath(p)) for p in protected)
        return cls(tuple(homes), tuple(roots))

    def reason(self, path: Path) -> str | None:
        """Why the absolute, normalised ``path`` is secret, or ``None`` if it is not.

        Directories compare case-insensitively: on macOS ``~/.SSH`` is ``~/.ssh``, and
        elsewhere asking about a look-alike costs one question.
        """
        low = Path(str(path).lower())
        for root in self.protected:
            if low.is_relative_to(str(root).lower()):
                return f"{path} is one of tabwise's own files (settings, token, archive)"
        for home in self.homes:
            for name in _SECRET_HOME_DIRS:
                if low.is_relative_to(str(home / name).lower()):
                    return f"{path} is under ~/{name}, which holds credentials"
        if secret_name(path.name):
            return f"{path.name} looks like a secret file"
        return None

    def reason_for(self, given: Path) -> str | None:
        """Check ``given`` as written (normalised) and with its symbolic links resolved."""
        plain = Path(os.path.normpath(given))
        found = self.reason(plain)
        if found is not None:
            return found
        real = Path(os.path.realpath(plain))
        if real != plain:
            found = self.reason(real)
            if found is not None:
                return f"{plain} links to {real}: {found}"
        return None
