"""The protocol document, generated from the code: ``python -m tabwise.api.schema``.

Writes ``docs/PROTOCOL.md`` (or the path given) from what the code declares, so the
document cannot drift from it:

- every command (a method of :class:`~tabwise.commands.Tabwise` marked ``@command``):
  its params with their types and defaults, its result type and its docstring, grouped
  by the module that defines it;
- every dataclass :mod:`tabwise.api` exports: its fields as JSON (the shape
  :func:`~tabwise.api.to_json` gives it);
- every event class :mod:`tabwise.events` exports (and its named sets of event types);
- every stable error code of :mod:`tabwise.errors`.

``--check`` writes nothing and exits 1 when the file differs from what the code says.
A test does the same, so a change to a command or a type that does not regenerate the
document fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

__all__ = ["json_type", "main", "protocol_markdown"]

DEFAULT_PATH = Path("docs") / "PROTOCOL.md"

_SCALARS: Mapping[Any, str] = {
    str: "string", int: "integer", float: "number", bool: "boolean",
    type(None): "null", Any: "any", object: "any",
}


def json_type(ann: Any) -> str:
    """How a value of type ``ann`` looks in JSON: ``string``, ``[string]``,
    ``integer | null``, ``object``, or the name of a contract type (a link)."""
    if ann in _SCALARS:
        return _SCALARS[ann]
    if isinstance(ann, type):
        if dataclasses.is_dataclass(ann):
            return f"[{ann.__name__}](#{ann.__name__.lower()})"
        if issubclass(ann, PurePath):
            return "string"
        if issubclass(ann, enum.Enum):
            return " | ".join(f'"{m.value}"' for m in ann)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is types.UnionType or origin is typing.Union:
        return " | ".join(json_type(a) for a in args)
    if origin is typing.Literal:
        return " | ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    if origin in (list, tuple, set, frozenset, Sequence) or (
            isinstance(origin, type) and issubclass(origin, Sequence | frozenset)):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return "[" + ", ".join(json_type(a) for a in args) + "]"
        return f"[{json_type(args[0])}]" if args else "[any]"
    if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        return "object" if not args or args[1] in (Any, object) else \
            f"{{string: {json_type(args[1])}}}"
    return "any"


def _text(doc: str | None) -> str:
    """A docstring as Markdown: reST roles and double backticks become code spans."""
    if not doc:
        return ""
    doc = inspect.cleandoc(doc)
    doc = re.sub(r":\w+:`~?(?:[\w.]+\.)?([\w]+)`", r"`\1`", doc)
    return doc.replace("``", "`")


def _cell(text: str) -> str:
    """``text`` inside a Markdown table cell (a bare ``|`` would end the cell)."""
    return text.replace("|", "\\|")


def _first_line(doc: str | None) -> str:
    return _text(doc).split("\n\n")[0].replace("\n", " ")


def _default(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return "required"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{value!r}`" if isinstance(value, str) else f"`{value}`"


def _commands() -> Iterator[tuple[str, str, Callable[..., Any]]]:
    """(module, name, function) of every command, in registry order."""
    from ..commands import COMMANDS, Tabwise

    for name in COMMANDS:
        fn = getattr(Tabwise, name)
        yield fn.__module__, name, fn


def _command_section(name: str, fn: Callable[..., Any]) -> list[str]:
    hints = typing.get_type_hints(fn)
    out = [f"### `{name}`", ""]
    params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    if params:
        out += ["| param | type | default |", "| :- | :- | :- |"]
        out += [f"| `{p.name}` | {_cell(json_type(hints.get(p.name, Any)))} | "
                f"{_default(p.default)} |"
                for p in params]
    else:
        out.append("No params.")
    out += ["", f"Result: {json_type(hints.get('return', Any))}", ""]
    doc = _text(fn.__doc__)
    if doc:
        out += [doc, ""]
    return out


def _dataclass_section(cls: type) -> list[str]:
    hints = typing.get_type_hints(cls)
    out = [f"### {cls.__name__}", ""]
    doc = _text(cls.__doc__)
    if doc:
        out += [doc, ""]
    out += ["| field | JSON |", "| :- | :- |"]
    out += [f"| `{f.name}` | {_cell(json_type(hints[f.name]))} |"
            for f in dataclasses.fields(cls)]
    return [*out, ""]


def _exported(module: types.ModuleType) -> list[tuple[str, Any]]:
    return [(n, getattr(module, n)) for n in getattr(module, "__all__", ())]


def _error_codes() -> list[tuple[str, str, str]]:
    """(code, error classes, what the first of them says) per stable code."""
    from .. import errors

    classes: dict[str, list[type]] = {}
    for _, cls in _exported(errors):
        if isinstance(cls, type) and issubclass(cls, errors.TabwiseError):
            classes.setdefault(cls.code, []).append(cls)
    return [(code, ", ".join(f"`{c.__name__}`" for c in found),
             next((_first_line(c.__doc__) for c in found if c.__doc__), ""))
            for code, found in sorted(classes.items())]


def protocol_markdown() -> str:
    """The whole protocol document, as the code declares it now."""
    from .. import api, events

    out = [
        "# tabwise protocol",
        "",
        "<!-- Generated by `python -m tabwise.api.schema` from the code: do not edit. -->",
        "",
        "JSON-RPC 2.0 over a WebSocket at `/rpc` (`tabwise serve`, DESIGN.md §6). The",
        "method is a command's name and `params` an object of its params by name. A result",
        "is the JSON of the command's result type; an error carries `data.code`, one of the",
        "[error codes](#error-codes). The TUI calls the same commands in process, with the",
        "typed values themselves.",
        "",
        "## Commands",
        "",
    ]
    module = ""
    for mod, name, fn in _commands():
        if mod != module:
            module = mod
            # The module docstring's subject: "Session commands (DESIGN §4 ...)".
            title = _first_line(sys.modules[mod].__doc__).split(":")[0].rstrip(".")
            out += [f"## {title}" if title else f"## {mod}", ""]
        out += _command_section(name, fn)
    out += [
        "## Server methods",
        "",
        "Methods of the connection, not commands:",
        "",
        "- `subscribe_events(session_id?) -> {subscription}`: events of one session (or",
        "  all) arrive as notifications `{\"jsonrpc\": \"2.0\", \"method\": \"ai_event\",",
        "  \"params\": <event>}`.",
        "- `unsubscribe_events(subscription) -> boolean`.",
        "",
        "## Types",
        "",
        "Every field is always present (`null` when it does not apply).",
        "",
    ]
    for _, value in _exported(api):
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            out += _dataclass_section(value)
    out += ["## Events", "", _first_line(events.__doc__) + " Each arrives as the `params`",
            "of an `ai_event` notification, one JSON object.", ""]
    for name, value in _exported(events):
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            out += _dataclass_section(value)
        elif isinstance(value, frozenset | tuple) and value and \
                all(isinstance(v, str) for v in value):
            out += [f"`{name}`: " + ", ".join(f"`{v}`" for v in sorted(value)), ""]
    out += ["## Error codes", "", "| code | raised as | note |", "| :- | :- | :- |"]
    out += [f"| `{code}` | {names} | {_cell(note)} |" for code, names, note in _error_codes()]
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tabwise.api.schema",
                                description="Write the protocol document from the code.")
    p.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH,
                   help=f"where to write it (default {DEFAULT_PATH})")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if the file is not what the code says")
    args = p.parse_args(argv)
    text = protocol_markdown()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is out of date: run python -m tabwise.api.schema",
                  file=sys.stderr)
            return 1
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
