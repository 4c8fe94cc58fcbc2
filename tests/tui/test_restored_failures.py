"""A restored tab shows a failed or cancelled turn like the live tab did (issue #13)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tui_helpers import SIZE, active_view, notices, ready, send, until

from tabwise.tui.app import TabwiseApp

from fake_llm import FakeLLM, Reply

AppFactory = Callable[..., TabwiseApp]


async def test_an_error_and_a_cancel_come_back_after_a_restart(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(status=500, error_message="the model fell over"),
                        Reply(hang=True))
        await send(pilot, view, "first try")
        await until(lambda: notices(view, "error"), what="error notice")
        await send(pilot, view, "second try")
        await until(lambda: view.state == "streaming", what="streaming")
        view.panel.prompt.focus()
        await pilot.press("escape")
        await until(lambda: "Cancelled." in notices(view, "warning"), what="cancelled")
        live_errors = notices(view, "error")
        live_prompts = notices(view, "prompt")
        await pilot.press("f10")
    assert app.return_code == 0
    assert "the model fell over" in live_errors[0]

    app = make_app(home)
    async with app.run_test(size=SIZE):
        await ready(app)
        view = active_view(app)
        await until(lambda: notices(view, "error"), what="restored error")
        assert notices(view, "prompt") == live_prompts
        assert notices(view, "error") == live_errors
        assert "Cancelled." in notices(view, "warning")
        texts = notices(view)
        assert texts.index(live_errors[0]) < texts.index("Cancelled.")
