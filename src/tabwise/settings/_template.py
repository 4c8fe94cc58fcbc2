"""The commented settings file written on first run.

Its provider section is generated from :data:`~tabwise.providers.PROVIDER_SPECS`, so a
new provider kind shows up here without editing this file. The rest is hand-written:
a user reads it, so every comment stays a sentence about the value under it.
"""

from __future__ import annotations

from ..providers._specs import PROVIDER_SPECS, ProviderSpec, spec_for
from ._model import Settings

__all__ = ["SETTINGS_TEMPLATE"]

_COMMENT_AT = 42  # the column trailing comments start at, as in the rest of the file
_CUSTOM_NAME = "local"
_CUSTOM_BASE_URL = "http://127.0.0.1:8000/v1"


def _line(text: str, comment: str = "") -> str:
    if not comment:
        return text
    return f"{text.ljust(_COMMENT_AT - 1)} # {comment}"


def _builtin_table() -> list[str]:
    """One row per built-in provider: its name, who it is, its key variable, a model."""
    rows = [("name", "provider", "key variable", "a model")]
    rows += [(s.kind, s.title, s.key_var or "(no key)", s.example_model)
             for s in PROVIDER_SPECS.values() if s.builtin]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["#   " + "  ".join(cell.ljust(w) for cell, w in zip(r, [*widths, 0], strict=True))
            .rstrip() for r in rows]


def _commented_stanza(spec: ProviderSpec) -> list[str]:
    """A built-in provider's table, commented out: uncommented, it is valid as it is."""
    lines = [f"# [ai.{spec.kind}]"]
    if spec.key_var:
        lines.append(f'# api_key = "${spec.key_var}"')
    if spec.default_base_url:
        lines.append(f'# base_url = "{spec.default_base_url}"')
    return lines


def _providers_section() -> str:
    default = Settings()
    first = spec_for(default.default_provider)
    # The table above gives each built-in's key variable; a local server's stanza is
    # shown too, since its address is what a user most often changes.
    local = [s for s in PROVIDER_SPECS.values()
             if s.builtin and not s.needs_key and s is not first]
    custom = [s for s in PROVIDER_SPECS.values() if not s.builtin]
    lines = [
        "[ai]",
        "# New tabs start with this provider and model. F2 switches the model of one tab only.",
        f'default_provider = "{first.kind}"',
        f'default_model = "{default.default_model}"',
        "",
        "# One table per provider. Built-in names need no `kind`, and a built-in provider",
        "# with no table reads its usual key variable:",
        *_builtin_table(),
        "",
        f"[ai.{first.kind}]",
        f'api_key = "${first.key_var}"' if first.key_var
        else f'base_url = "{first.default_base_url or _CUSTOM_BASE_URL}"',
        _line('# base_url = "https://gateway.example/v1"', "another address (a proxy)"),
        _line(f'# models = ["{first.example_model}"]', "added to the model picker"),
        _line("# timeout_seconds = 120", "give up when the provider is silent this long"),
        _line("# max_retries = 2", "retries of 429/5xx answers"),
    ]
    for spec in local:
        lines += ["", *_commented_stanza(spec)]
    if custom:
        example = custom[0]
        kinds = "; ".join(f'"{s.kind}" = {s.title}' for s in custom)
        lines += [
            "",
            "# Any other name is a custom provider and needs `kind`",
            f"# ({kinds}):",
            f"# [ai.{_CUSTOM_NAME}]",
            f'# kind = "{example.kind}"',
            f'# base_url = "{example.default_base_url or _CUSTOM_BASE_URL}"',
            _line(f'# api_key = "${_CUSTOM_NAME.upper()}_KEY"',
                  "optional for local servers" if not example.needs_key else ""),
            f'# models = ["{example.example_model}"]',
            f'# context_windows = {{ "{example.example_model}" = 32768 }}',
        ]
    return "\n".join(lines) + "\n"


_HEAD = """\
# tabwise settings. Edit freely: tabwise never rewrites this file.
# "$VAR" / "${VAR}" values are read from the environment when used and never stored.
# Check it with: tabwise config check

"""

_REST = """
[agent]
approval = "ask"            # ask | auto-read (reads never ask) | auto (never ask)
always_allow = ["read_file", "list_directory", "search_files"]
never_allow = []
approval_timeout_seconds = 300
max_tool_iterations = 50
# Added to every tab's agent, with AGENTS.md (else CLAUDE.md) found from the tab's
# current directory up to the repository root or $HOME:
# instructions = "Answer in British English."

[context]
warning_threshold = 0.75
compaction_threshold = 0.85

[sessions]
persist = true
restore_on_start = true
retention_days = 30         # closed sessions older than this are purged; 0 = keep

[terminal]
shell = ""                  # empty: $SHELL, else /bin/sh
scrollback = 10000          # lines of history kept per tab
shell_integration = true    # bash/zsh/fish report their directory, so the agent follows cd

# [keys]                    # app shortcuts (Textual key names); "" turns one off
# model_picker = "f2"
# palette = "f1"
# focus = "f3"
# new_tab = "alt+t"
# close_tab = "alt+w"
# quit = "f10"
# previous_tab = "alt+left"
# next_tab = "alt+right"
# escape_chord = "ctrl+f12" # leaves a full-screen program, which gets every other key
"""

SETTINGS_TEMPLATE = _HEAD + _providers_section() + _REST
"""The whole file, as first run writes it."""
