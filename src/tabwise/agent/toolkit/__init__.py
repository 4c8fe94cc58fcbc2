"""The agent's tools, as plain async functions of a tab's working directory.

Every function returns text for the model and raises :class:`ToolError` with a
sentence the model can act on; ``agent._tools`` wraps them with the approval policy.
Relative paths resolve against the working directory, ``~`` expands, and every result
is capped in size with a note saying so (see ``_limits``). None of them blocks the
event loop: file work runs in worker threads, commands run as asyncio subprocesses.

Modules: ``_read`` (read_file, list_directory), ``_write`` (write_file, edit_file),
``_search`` (search_files), ``_shell``, ``_procgroup`` and ``_tracker`` (run_command), ``_secrets``
(the secret-path list the approval policy and the search walk share), ``_paths``,
``_limits`` and ``_errors``.
"""

from __future__ import annotations

from ._errors import ToolError
from ._paths import resolve as resolve_path
from ._read import list_directory, read_file
from ._search import search_files
from ._secrets import SecretRules
from ._shell import run_command
from ._tracker import CommandTracker
from ._write import edit_file, write_file

__all__ = [
    "CommandTracker",
    "SecretRules",
    "ToolError",
    "edit_file",
    "list_directory",
    "read_file",
    "resolve_path",
    "run_command",
    "search_files",
    "write_file",
]
