"""Settings: locations, the first-run template, validation and secrets (DESIGN §2–3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tabwise.errors import ProviderNotConfigured, SettingsInvalid
from tabwise.providers import PROVIDER_SPECS, ProviderRegistry
from tabwise.settings import (
    SETTINGS_TEMPLATE,
    ensure_settings_file,
    load_settings,
    parse_settings,
    resolve_paths,
    resolve_secret,
)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "settings.toml"
    p.write_text(text)
    return p


def test_home_overrides_platform_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABWISE_HOME", str(tmp_path / "h"))
    paths = resolve_paths()
    assert paths.settings_file == tmp_path / "h" / "settings.toml"
    assert paths.db_file == tmp_path / "h" / "tabwise.db"
    assert paths.token_file == tmp_path / "h" / "server.token"
    assert resolve_paths(tmp_path / "x").logs_dir == tmp_path / "x" / "logs"


def test_template_is_valid_and_never_overwrites(tmp_path: Path) -> None:
    p = tmp_path / "settings.toml"
    assert ensure_settings_file(p)
    assert p.read_text() == SETTINGS_TEMPLATE
    s = load_settings(p)
    assert s.default_provider == "openai" and not s.warnings
    p.write_text("# mine\n")
    assert not ensure_settings_file(p)
    assert p.read_text() == "# mine\n"


def test_invalid_toml_names_file_line_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, '[ai]\ndefault_model = "x"\nbroken = = 1\n')
    with pytest.raises(SettingsInvalid) as err:
        load_settings(p)
    msg = str(err.value)
    assert str(p) in msg and "line 3" in msg and "column" in msg
    assert err.value.code == "settings_invalid"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[agent]\napproval = "sometimes"', "`agent.approval`"),
        ("[context]\nwarning_threshold = 3", "`context.warning_threshold`"),
        ('[ai.mine]\nbase_url = "http://x/v1"', "needs `kind`"),
        ('[ai.mine]\nkind = "openai-compatible"', "needs `base_url`"),
        ('[ai.mine]\nkind = "telepathy"\nbase_url = "http://x"', "`ai.mine.kind`"),
        ('[ai]\ndefault_provider = "nobody"', "`ai.default_provider`"),
        ("[sessions]\nretention_days = -1", "`sessions.retention_days`"),
        ('[terminal]\nscrollback = "lots"', "`terminal.scrollback`"),
    ],
)
def test_invalid_values_name_the_key_and_what_is_allowed(tmp_path: Path, text: str,
                                                          needle: str) -> None:
    with pytest.raises(SettingsInvalid) as err:
        load_settings(write(tmp_path, text))
    assert needle in str(err.value)


def test_unknown_keys_warn(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, "[agent]\nfoo = 1\n[colour]\nx = 1\n"))
    assert any("agent.foo" in w for w in s.warnings)
    assert any("colour" in w for w in s.warnings)


def test_vars_resolve_at_use_and_are_never_stored(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "sk-secret-value")
    text = ('[ai.local]\nkind = "openai-compatible"\nbase_url = "http://127.0.0.1:1/v1"\n'
            'api_key = "${MY_KEY}"\n[ai.other]\nkind = "openai-compatible"\n'
            'base_url = "http://127.0.0.1:1/v1"\napi_key = "literal-secret"\n')
    s = load_settings(write(tmp_path, text))
    assert s.providers["local"].api_key == "${MY_KEY}"
    assert resolve_secret(s.providers["local"].api_key) == "sk-secret-value"
    red = str(s.redacted())
    assert "sk-secret-value" not in red and "literal-secret" not in red
    assert "$MY_KEY" in red


def test_missing_key_is_not_configured_and_names_the_variable() -> None:
    s = parse_settings({})
    reg = ProviderRegistry(s)
    st = {p.name: p for p in reg.statuses()}
    builtins = [spec for spec in PROVIDER_SPECS.values() if spec.builtin]
    assert set(st) >= {spec.kind for spec in builtins}
    for spec in builtins:
        status = st[spec.kind]
        if spec.key_var:
            assert not status.configured and spec.key_var in (status.reason or ""), spec.kind
            with pytest.raises(ProviderNotConfigured, match=spec.key_var):
                reg.build(spec.kind, spec.example_model)
        else:
            assert status.configured, spec.kind


def test_every_builtin_provider_builds_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for spec in PROVIDER_SPECS.values():
        if spec.key_var:
            monkeypatch.setenv(spec.key_var, "test-key")
    reg = ProviderRegistry(parse_settings({}))
    for spec in PROVIDER_SPECS.values():
        if not spec.builtin:
            continue
        built = reg.build(spec.kind, spec.example_model)
        assert built.model.model_name == spec.example_model
        assert built.context_window > 0
    # One provider (and HTTP client) per provider/base_url/key, shared across sessions.
    a = reg.build("openai", "gpt-4.1")
    b = reg.build("openai", "gpt-4.1-mini")
    assert a.model._provider is b.model._provider  # type: ignore[attr-defined]


def test_context_windows_from_settings_win() -> None:
    s = parse_settings({"ai": {"local": {"kind": "openai-compatible", "base_url": "http://h/v1",
                                         "context_windows": {"q": 1234}}}})
    assert ProviderRegistry(s).build("local", "q").context_window == 1234


def test_cli_config_check_reports_errors(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[agent]\napproval = 1\n")
    out = subprocess.run([sys.executable, "-m", "tabwise.cli", "--home", str(tmp_path),
                          "config", "check"], capture_output=True, text=True, check=False)
    assert out.returncode == 1
    assert "agent.approval" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    usage = subprocess.run([sys.executable, "-m", "tabwise.cli", "bogus"],
                           capture_output=True, text=True, check=False)
    assert usage.returncode == 2


def test_building_a_model_does_not_import_its_sdk_until_used() -> None:
    code = (
        "import os, sys; os.environ['OPENAI_API_KEY'] = 'k' * 20\n"
        "from tabwise.providers import ProviderRegistry\n"
        "from tabwise.settings import parse_settings\n"
        "b = ProviderRegistry(parse_settings({})).build('openai', 'gpt-4.1-mini')\n"
        "assert b.context_window == 1_000_000, b.context_window\n"
        "assert 'openai' not in sys.modules, 'SDK imported early'\n"
        "b.model\n"
        "assert 'openai' in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
