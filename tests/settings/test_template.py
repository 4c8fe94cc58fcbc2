"""The first-run settings template: generated from the provider specs, valid, readable."""

from __future__ import annotations

import re
import tomllib

import pytest

from tabwise.providers import PROVIDER_SPECS, ProviderRegistry, ProviderSpec
from tabwise.settings import SETTINGS_TEMPLATE, parse_settings

BUILTINS = [s for s in PROVIDER_SPECS.values() if s.builtin]


def uncomment_tables(text: str) -> str:
    """The template with every commented-out table (``# [x]`` up to a blank line)
    turned on, trailing comments kept."""
    out, inside = [], False
    for line in text.splitlines():
        if re.match(r"# \[[a-z.]+\]", line):
            inside = True
        elif not line.strip():
            inside = False
        out.append(line[2:] if inside and line.startswith("# ") else line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("spec", BUILTINS, ids=lambda s: s.kind)
def test_every_builtin_provider_is_listed_with_its_key_and_a_model(spec: ProviderSpec) -> None:
    row = next(line for line in SETTINGS_TEMPLATE.splitlines()
               if line.startswith(f"#   {spec.kind} "))
    assert spec.title in row and spec.example_model in row
    assert (spec.key_var or "(no key)") in row


def test_every_custom_kind_is_named() -> None:
    for spec in PROVIDER_SPECS.values():
        if not spec.builtin:
            assert f'"{spec.kind}" = {spec.title}' in SETTINGS_TEMPLATE


def test_the_template_parses_as_it_is_and_with_every_table_turned_on() -> None:
    as_written = parse_settings(tomllib.loads(SETTINGS_TEMPLATE))
    assert not as_written.warnings and not as_written.errors
    on = parse_settings(tomllib.loads(uncomment_tables(SETTINGS_TEMPLATE)))
    assert not on.warnings and not on.errors, on.warnings + on.errors
    local = [s for s in BUILTINS if not s.needs_key]
    assert {s.kind for s in local} | {"openai", "local"} <= set(on.providers)
    reg = ProviderRegistry(on)
    assert all(reg.status(s.kind).configured for s in local)


def test_the_template_stays_readable() -> None:
    lines = SETTINGS_TEMPLATE.splitlines()
    assert not any(line != line.rstrip() for line in lines)
    # The generated provider section fits a narrow editor; its trailing comments line up.
    section = lines[lines.index("[ai]"):lines.index("[agent]")]
    assert max(len(line) for line in section) <= 90
    cols = {line.index(" # ") for line in section
            if line.startswith("# ") and " # " in line and line.count("#") == 2}
    assert len(cols) == 1, cols
