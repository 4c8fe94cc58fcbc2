"""What "a front end goes through the command layer only" means, as an AST check
(issue #13): the TUI and the CLI read no attribute inside the core and import no core
package. Their one in-process accessor past the commands is ``core.terminal(id)``."""

from __future__ import annotations

import ast

# What the core holds inside: no front end reads these.
INTERNALS = {"ai", "sessions", "providers", "archive", "paths", "settings", "bus", "mcp",
             "screens", "follower", "shell_integration"}
CORE_PACKAGES = {"agent", "sessions", "archive", "providers", "mcp"}


def _is_core(node: ast.expr) -> bool:
    """``core`` or ``<anything>.core``."""
    return (isinstance(node, ast.Name) and node.id == "core") or (
        isinstance(node, ast.Attribute) and node.attr == "core")


def violations(source: str, package: str) -> list[str]:
    """What in ``source`` (a module of ``package``) reads past the command layer."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _is_core(node.value) and (
                node.attr in INTERNALS or node.attr.startswith("_")):
            found.append(f"{node.lineno}: core.{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            else:
                module = node.module or ""
            parts = module.split(".")
            if parts[0] == "tabwise" and len(parts) > 1 and parts[1] in CORE_PACKAGES:
                found.append(f"{node.lineno}: imports {module}")
    return found
