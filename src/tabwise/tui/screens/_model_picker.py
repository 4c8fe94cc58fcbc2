"""F2: pick the provider/model of the active tab."""

from __future__ import annotations

import time

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...api import ProviderInfo

__all__ = ["ModelChoice", "ModelPicker", "parse_choice"]

ModelChoice = tuple[str, str]  # (provider, model)


def parse_choice(text: str) -> ModelChoice | None:
    """``provider/model`` (the model may hold more slashes) or None."""
    provider, sep, model = text.strip().partition("/")
    if not sep or not provider.strip() or not model.strip():
        return None
    return provider.strip(), model.strip()


class _Filter(Input):
    """The filter box; keys typed before the picker was on screen are not its own."""

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen
        if isinstance(screen, ModelPicker) and screen.hand_back(event):
            return
        await super()._on_key(event)


class ModelPicker(ModalScreen[ModelChoice | None]):
    """Every model of every provider as ``provider/model``. Type to filter (case-
    insensitive substring), Up/Down to move, Enter to pick. Providers that are not
    configured are listed disabled with what to set. A ``provider/model`` that is not
    listed is used as typed. Dismisses with ``(provider, model)`` or None.

    A key typed before the picker was drawn (the app was busy when F2 came) belongs
    to the widget that had focus then: it is handed back to it, never filtered.
    """

    DEFAULT_CSS = """
    ModelPicker {
        align: center middle;
        background: $background 60%;
    }
    ModelPicker > Vertical {
        width: 90;
        max-width: 95%;
        height: 80%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    ModelPicker #picker-title { text-style: bold; padding: 0 0 1 0; }
    ModelPicker #picker-hint { color: $text-muted; }
    ModelPicker OptionList { height: 1fr; border: none; }
    """

    BINDINGS = [
        Binding("escape", "dismiss_picker", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape | Close without changing anything. |
    | up / down, pageup / pagedown | Move in the list while typing. |
    | enter | Use the highlighted model (or the typed provider/model). |
    """

    def __init__(self, providers: list[ProviderInfo], current: ModelChoice | None,
                 tab_name: str) -> None:
        super().__init__()
        self.providers = providers
        self.current = current
        self.tab_name = tab_name
        # Configured providers first; each provider's models in catalog order.
        self.groups = sorted(providers, key=lambda p: not p.configured)
        self.opened_at = float("inf")  # monotonic time the picker was mounted
        self._typed_into: Widget | None = None  # focus when F2 was pressed

    def compose(self) -> ComposeResult:
        now = f"{self.current[0]}/{self.current[1]}" if self.current else "none"
        with Vertical():
            yield Static(Content(f"Model for tab “{self.tab_name}” (now {now})"),
                         id="picker-title")
            yield _Filter(placeholder="filter, or type provider/model", id="picker-filter")
            yield OptionList(id="picker-options")
            yield Static("Enter picks · Esc closes · only this tab changes", id="picker-hint")

    def on_mount(self) -> None:
        self._typed_into = self.app.screen_stack[-2].focused \
            if len(self.app.screen_stack) > 1 else None
        self._fill("")
        self.query_one(Input).focus()
        # From now on keys are typed at the picker (it shows in the next frame).
        self.opened_at = time.monotonic()

    def hand_back(self, event: events.Key) -> bool:
        """Give ``event`` to the widget focused before, if it was typed before the
        picker was drawn; whether it was handed back."""
        target = self._typed_into
        if event.time >= self.opened_at or target is None or not target.is_attached:
            return False
        event.stop()
        event.prevent_default()
        target.post_message(events.Key(event.key, event.character))
        return True

    def _fill(self, query: str) -> None:
        q = query.strip().lower()
        ol = self.query_one(OptionList)
        ol.clear_options()
        current = f"{self.current[0]}/{self.current[1]}" if self.current else None
        options: list[Option] = []
        for p in self.groups:
            name = p.name
            idents = [f"{name}/{m}" for m in p.models]
            idents = [i for i in idents if not q or q in i.lower()]
            reason = p.reason or ""
            # A provider with nothing to list still shows why (a local server is down).
            if not idents and (q or not reason):
                continue
            configured = p.configured
            header = Content(name).stylize("bold")
            if not configured:
                header += Content(f"  not configured: {reason}").stylize("dim")
            elif reason:
                header += Content(f"  {reason}").stylize("dim")
            options.append(Option(header, disabled=True))
            for ident in idents:
                mark = "✓ " if ident == current else "  "
                options.append(Option(Content(f"  {mark}{ident}"), id=ident,
                                      disabled=not configured))
        ol.add_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        if current and not q:
            first = next((i for i, o in enumerate(options) if o.id == current), first)
        ol.highlighted = first

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _submit(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        ol = self.query_one(OptionList)
        exact = next((o for o in ol.options if o.id and o.id.lower() == typed.lower()), None)
        chosen = exact or ol.highlighted_option
        if chosen is not None and chosen.id:
            if chosen.disabled:
                self.notify(f"{chosen.id.partition('/')[0]} is not configured; see the list "
                            "for what to set.", severity="warning", markup=False)
                return
            self.dismiss(parse_choice(chosen.id))
            return
        custom = parse_choice(typed)
        if custom is None:
            self.notify("Type provider/model, e.g. openai/gpt-4.1.", severity="warning")
            return
        self.dismiss(custom)

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and not event.option.disabled:
            self.dismiss(parse_choice(event.option.id))

    def action_move(self, delta: int) -> None:
        ol = self.query_one(OptionList)
        if not ol.option_count:
            return
        index = ol.highlighted if ol.highlighted is not None else -1
        step = 1 if delta > 0 else -1
        remaining = abs(delta)
        target = index
        probe = index
        while remaining:
            probe += step
            if not 0 <= probe < ol.option_count:
                break
            if not ol.get_option_at_index(probe).disabled:
                target = probe
                remaining -= 1
        if target >= 0:
            ol.highlighted = target

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
