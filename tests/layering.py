"""What "a front end goes through the command layer only" means, as an AST check
(issue #13): the TUI and the CLI read no attribute inside the core, import no core
package and no private module of tabwise but their own (``tabwise.commands._fork``,
``from tabwise.commands import _snapshots``): what they need is public in
``tabwise.api`` (types, and ``tabwise.api.views``) or a command. Their one in-process
accessor past the commands is ``core.terminal(id)``."""

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


def _is_private(module: str, own: tuple[str, ...]) -> bool:
    """``module`` is a private module of tabwise (a ``_`` part, not a dunder like
    ``__version__``), not one of ``own``."""
    parts = module.split(".")
    return (parts[0] == "tabwise"
            and any(p.startswith("_") and not p.endswith("__") for p in parts[1:])
            and not any(module == o or module.startswith(o + ".") for o in own))


def violations(source: str, package: str, own: tuple[str, ...] = ("tabwise.tui",)
               ) -> list[str]:
    """What in ``source`` (a module of ``package``) reads past the command layer.
    ``own``: the front end's own modules, whose private ones it may import."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _is_core(node.value) and (
                node.attr in INTERNALS or node.attr.startswith("_")):
            found.append(f"{node.lineno}: core.{node.attr}")
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: imports {a.name} (private)" for a in node.names
                      if _is_private(a.name, own)]
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
            elif _is_private(module, own):
                found.append(f"{node.lineno}: imports {module} (private)")
            else:
                found += [f"{node.lineno}: imports {module}.{a.name} (private)"
                          for a in node.names
                          if _is_private(f"{module}.{a.name}", own) and parts[0] == "tabwise"]
    return found
