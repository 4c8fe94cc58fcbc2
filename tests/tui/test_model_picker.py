"""F2: the model picker changes the active tab's model and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import OptionList
from tui_helpers import SIZE, active_view, answers, modal, ready, send, until

from tabwise.api import to_json
from tabwise.tui.app import TabwiseApp
from tabwise.tui.screens import ModelPicker
from tabwise.tui.screens._model_picker import parse_choice
from tabwise.tui.widgets import StatusBar

from fake_llm import FakeLLM

AppFactory = Callable[..., TabwiseApp]


def enabled_ids(picker: ModelPicker) -> list[str]:
    return [o.id for o in picker.query_one(OptionList).options if o.id and not o.disabled]


def disabled_ids(picker: ModelPicker) -> list[str]:
    return [o.id for o in picker.query_one(OptionList).options if o.id and o.disabled]


async def test_filter_and_pick_changes_only_the_active_tab(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        first = screen.order[0]
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2)
        second = screen.order[1]
        view = active_view(app)
        await send(pilot, view, "before the switch")
        await until(lambda: len(answers(view)) == 1)

        await pilot.press("f2")
        picker = await modal(app, ModelPicker)
        assert {"local1/m1", "local1/m1b", "local2/m2"} <= set(enabled_ids(picker))
        await pilot.press(*"M2")  # case-insensitive substring
        assert enabled_ids(picker) == ["local2/m2"]
        await pilot.press("enter")
        await until(lambda: view.model_label == "local2 · m2", what="model switched")
        assert app.screen is screen
        assert screen.query_one(StatusBar).model == "local2 · m2"
        bridges = app.core.ai.bridges
        assert to_json(bridges[second].config) == {"provider": "local2", "model": "m2"}
        assert to_json(bridges[first].config) == {"provider": "local1", "model": "m1"}
        assert screen.views[first].model_label == "local1 · m1"
        assert to_json(app.core.get_default_ai_config_sync()) == {"provider": "local1",
                                                         "model": "m1"}
        # History is kept across the switch and the next prompt goes to m2.
        await send(pilot, view, "after the switch")
        await until(lambda: len(answers(view)) == 2)
        req = fake_llm.requests_for("m2")[-1]
        assert req.user_texts() == ["before the switch", "after the switch"]
        await pilot.press("alt+1")
        assert screen.query_one(StatusBar).model == "local1 · m1"


async def test_unconfigured_providers_are_listed_but_not_pickable(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await pilot.press("f2")
        picker = await modal(app, ModelPicker)
        assert "openai/gpt-4.1" in disabled_ids(picker)
        headers = [str(o.prompt) for o in picker.query_one(OptionList).options if not o.id]
        assert any("openai" in h and "OPENAI_API_KEY" in h for h in headers)
        await pilot.press(*"openai/gpt-4.1", "enter")
        assert app.screen is picker  # refused, still open
        await pilot.press("escape")
        await until(lambda: app.screen is not picker)
        assert view.model_label == "local1 · m1"


async def test_a_custom_provider_model_is_used_as_typed(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await pilot.press("f2", *"local2/my-custom-model", "enter")
        await until(lambda: view.model_label == "local2 · my-custom-model")
        await send(pilot, view, "hi custom")
        await until(lambda: answers(view) == ["echo: hi custom"])
        assert fake_llm.requests_for("my-custom-model")


async def test_a_failing_switch_is_reported_and_changes_nothing(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await pilot.press("f2", *"nosuch/model", "enter")
        await until(lambda: any("nosuch" in n.message for n in app._notifications),
                    what="error notification")
        assert view.model_label == "local1 · m1"
        assert app.core.ai.bridges[view.session_id].config.model == "m1"


def test_parse_choice_keeps_slashes_in_the_model_name() -> None:
    assert parse_choice("openrouter/openai/gpt-4.1") == ("openrouter", "openai/gpt-4.1")
    assert parse_choice(" local2/m2 ") == ("local2", "m2")
    assert parse_choice("m2") is None
    assert parse_choice("local2/") is None


async def test_the_picker_lists_served_models_and_why_a_server_is_down(
        make_app: AppFactory, make_home: Callable[..., Path], fake_llm: FakeLLM) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fake_llm.served_models = ["served-x"]
    home = make_home(extra=f'\n[ai.down]\nkind = "openai-compatible"\n'
                           f'base_url = "http://127.0.0.1:{port}/v1"\n')
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await app.core.list_providers(refresh=True)  # the start-up fetch, finished
        await pilot.press("f2")
        picker = await modal(app, ModelPicker)
        assert "local1/served-x" in enabled_ids(picker)
        headers = [str(o.prompt) for o in picker.query_one(OptionList).options if not o.id]
        assert any(h.startswith("down") and "connection refused" in h for h in headers)
