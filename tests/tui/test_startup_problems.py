"""Problems the user must see in the app: invalid settings (the app starts anyway, with
the defaults, listing every error) and provider failures as one sentence (#12.9)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from tui_helpers import SIZE, active_view, answers, notices, ready, send, until

from tabwise.tui.app import TabwiseApp

from fake_llm import FakeLLM, Reply

AppFactory = Callable[..., TabwiseApp]

# Three problems next to a working provider ([ai.local1] from the test settings).
THREE_PROBLEMS = """
[context]
warning_threshold = 3

[terminal]
scrollback = "lots"

[ai.broken]
base_url = "http://127.0.0.1:9/v1"
"""


def _home(tmp_path: Path, text: str) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.toml").write_text(text)
    return home


async def test_invalid_settings_start_the_app_and_list_every_error(
        make_app: AppFactory, make_home: Callable[..., Path]) -> None:
    bad = make_home("bad", extra=THREE_PROBLEMS)
    app = make_app(bad)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        [notice] = notices(view, "error")
        assert "has 3 errors" in notice
        for key in ("`context.warning_threshold`", "`terminal.scrollback`", "`ai.broken`"):
            assert key in notice
        assert any((n.title or "") == "Invalid settings" for n in app._notifications)
        # The valid part of the file applies: the tab talks to the configured provider.
        assert view.model_label == "local1 · m1"
        await send(pilot, view, "still works?")
        await until(lambda: "echo: still works?" in answers(view), what="an answer")
        await pilot.press("f10")
    assert app.return_code == 0


async def test_invalid_toml_starts_with_the_defaults_and_says_where(
        make_app: AppFactory, tmp_path: Path) -> None:
    bad = _home(tmp_path, '[ai]\ndefault_model = "x"\n[agent\n')
    app = make_app(bad)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        [notice] = notices(active_view(app), "error")
        assert "has 1 error" in notice and "Invalid TOML" in notice
        assert "line 3" in notice and str(bad / "settings.toml") in notice
        await pilot.press("f10")
    assert app.return_code == 0


async def test_a_refused_connection_shows_the_url_in_the_timeline(
        make_app: AppFactory, make_home: Callable[..., Path]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    extra = (f'[ai.dead]\nkind = "openai-compatible"\nbase_url = "http://127.0.0.1:{port}/v1"'
             '\nmax_retries = 0\n')
    home = make_home("dead", extra=extra)
    text = (home / "settings.toml").read_text()
    (home / "settings.toml").write_text(text.replace('default_provider = "local1"',
                                                     'default_provider = "dead"'))
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await send(pilot, view, "hello?")
        await until(lambda: notices(view, "error"), what="error notice")
        [notice] = notices(view, "error")
        assert f"http://127.0.0.1:{port}/v1/chat/completions" in notice
        assert "connection refused" in notice


async def test_a_json_error_body_shows_as_one_sentence(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(status=500, error_message="Upstream model crashed."))
        await send(pilot, view, "hi")
        await until(lambda: notices(view, "error"), what="error notice")
        [notice] = notices(view, "error")
        assert notice == ("The provider failed with a server error (HTTP 500: Upstream model "
                          "crashed.); try again shortly.")
