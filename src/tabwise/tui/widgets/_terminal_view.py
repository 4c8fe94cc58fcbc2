"""The terminal pane of a tab: a live PTY drawn by a terminal emulator."""

from __future__ import annotations

from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tabwise.pty import PtyProcess
from tabwise.tui.terminal import (
    DEFAULT_HISTORY,
    DEFAULT_ROUTING,
    Cursor,
    KeyRouting,
    StripPainter,
    TerminalModel,
    encode_key,
)
from tabwise.tui.terminal._mouse import MouseAction, encode_mouse, encode_wheel
from tabwise.tui.terminal._selection import Selection

__all__ = ["TerminalView"]

_WHEEL_LINES = 3
_SELECTED = Style(reverse=True)
_PASTE_START, _PASTE_END = "\x1b[200~", "\x1b[201~"


class TerminalView(Widget, can_focus=True):
    """Shows a :class:`~tabwise.tui.terminal.TerminalModel` and types into its PTY.

    Attach a PTY (or a model kept from an earlier :meth:`detach`) and the view draws
    its screen, sends focused key presses and pastes to it, and follows its size. The
    model keeps listening while detached, so a background tab's screen stays current.

    Keys have no ``BINDINGS``: while focused, every key goes to the program except the
    app's shortcuts (``routing``, from ``[keys]``: F1, F2, F3, F10, Alt+T, Alt+W,
    Alt+1..9, Alt+Left/Right by default), which bubble to the app; while a full-screen
    program (alternate screen) runs, only the escape chord does. Shift+PageUp and
    Shift+PageDown (and the mouse wheel outside full-screen programs) scroll the history;
    any key typed returns to the live screen.

    The mouse goes to programs that turned on mouse tracking (modes 1000/1002/1003,
    SGR 1006 or X10 encoding). Otherwise, or with Shift held, dragging selects text
    (shown reversed), copied to the clipboard (OSC 52) when the button is released.
    """

    ALLOW_SELECT = False  # Textual's own selection does not know the emulator's cells

    DEFAULT_CSS = """
    TerminalView {
        width: 1fr;
        height: 1fr;
        background: $background;
        color: $foreground;
    }
    """

    class Exited(Message):
        """The program exited; ``code`` is its exit status (negative: killed by signal)."""

        def __init__(self, terminal: TerminalView, code: int | None) -> None:
            super().__init__()
            self.terminal = terminal
            self.code = code

        @property
        def control(self) -> TerminalView:
            return self.terminal

    class RestartRequested(Message):
        """Enter was pressed after the program exited: the owner may start a new one."""

        def __init__(self, terminal: TerminalView) -> None:
            super().__init__()
            self.terminal = terminal

        @property
        def control(self) -> TerminalView:
            return self.terminal

    class FullScreenChanged(Message):
        """A full-screen program started or ended (the alternate screen was entered or
        left): while one runs, it gets every key but the escape chord."""

        def __init__(self, terminal: TerminalView, full_screen: bool) -> None:
            super().__init__()
            self.terminal = terminal
            self.full_screen = full_screen

        @property
        def control(self) -> TerminalView:
            return self.terminal

    class TitleChanged(Message):
        """The program set the window title (OSC 0 or 2)."""

        def __init__(self, terminal: TerminalView, title: str) -> None:
            super().__init__()
            self.terminal = terminal
            self.title = title

        @property
        def control(self) -> TerminalView:
            return self.terminal

    def __init__(
        self,
        pty: PtyProcess | TerminalModel | None = None,
        *,
        scrollback: int = DEFAULT_HISTORY,
        routing: KeyRouting = DEFAULT_ROUTING,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.scrollback = scrollback  # history lines for models this view makes
        self._routing = routing
        self._painter = StripPainter()
        self._model: TerminalModel | None = None
        self._lines: dict[int, Strip] = {}  # live screen rows already painted
        self._cursor = Cursor(0, 0, visible=False)
        self._back = 0  # lines scrolled back into the history; 0 is the live screen
        self._base_stale = True
        self._update_queued = False
        self.selection: Selection | None = None
        self._selecting = False
        self._mouse_button = 0  # the button a program was told went down
        self._full_screen = False
        if pty is not None:
            self.attach(pty)

    # -- public API ------------------------------------------------------------------

    @property
    def routing(self) -> KeyRouting:
        """Which keys are the app's (from ``[keys]``); also names the close key in the
        banner shown when the shell exits."""
        return self._routing

    @routing.setter
    def routing(self, routing: KeyRouting) -> None:
        self._routing = routing
        if self._model is not None:
            self._model.close_key = routing.close_tab

    @property
    def model(self) -> TerminalModel | None:
        """The attached screen model, if any."""
        return self._model

    @property
    def terminal_title(self) -> str:
        """The title the program set, or ``""``."""
        return self._model.emulator.title if self._model else ""

    @property
    def full_screen(self) -> bool:
        """Whether a full-screen program (alternate screen) runs in the terminal."""
        return self._model is not None and self._model.emulator.in_alt_screen

    @property
    def scrolled_back(self) -> int:
        """How many lines the view is scrolled back into the history (0: live)."""
        return self._back

    def attach(
        self, target: PtyProcess | TerminalModel, *, keep_screen: bool = False
    ) -> TerminalModel:
        """Show ``target``: a model as is, a PTY through its model (made on first use).

        With ``keep_screen``, a PTY continues the current model's screen instead (a
        restarted shell after :class:`RestartRequested`).
        """
        current = self._model
        if current is not None and target in (current, current.pty):
            return current
        if keep_screen and current is not None and isinstance(target, PtyProcess):
            current.rebind(target)
            self._model_changed()
            return current
        self.detach()
        model = target if isinstance(target, TerminalModel) else TerminalModel.for_pty(
            target, history=self.scrollback)
        self._model = model
        model.close_key = self._routing.close_tab
        self._back = 0
        self._lines.clear()
        model.set_listener(self._model_changed)
        if self.is_mounted:
            self._fit()
            self.refresh()
            self._model_changed()  # pick up anything it has not reported yet
        return model

    def detach(self) -> TerminalModel | None:
        """Stop showing the current model and return it (it keeps its PTY and screen)."""
        model, self._model = self._model, None
        if model is not None:
            model.set_listener(None)
            self._lines.clear()
            self.refresh()
        return model

    def screen_text(self, last_n_lines: int = 50) -> str:
        """Plain text of the last lines of the terminal, for the agent's context."""
        return self._model.screen_text(last_n_lines) if self._model else ""

    def scroll_history(self, lines: int) -> None:
        """Scroll the view ``lines`` into the history (negative: towards the present)."""
        model = self._model
        limit = model.emulator.history_size if model and not model.emulator.in_alt_screen else 0
        back = max(0, min(limit, self._back + lines))
        if back != self._back:
            self._back = back
            self.refresh()

    # -- rendering -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._base_stale:
            self._base_stale = False
            if self._painter.set_base(self.rich_style):
                self._lines.clear()
        model = self._model
        if model is None:
            return Strip.blank(width, self.rich_style)
        live = self._back == 0
        row = y - self._back
        if live and (strip := self._lines.get(y)) is not None and strip.cell_length == width:
            return self._highlight(strip, row)
        emulator = model.emulator
        cursor = self._cursor
        show_cursor = live and self.has_focus and cursor.visible and cursor.row == row
        runs = emulator.runs(row) if row < emulator.rows else []
        strip = self._painter.strip(runs, width, cursor.col if show_cursor else None)
        if live:
            self._lines[y] = strip
        return self._highlight(strip, row)

    def _highlight(self, strip: Strip, row: int) -> Strip:
        if self.selection is None:
            return strip
        cols = self.selection.columns(row, strip.cell_length)
        if cols is None:
            return strip
        first, stop = cols
        return Strip.join([strip.crop(0, first),
                           strip.crop(first, stop).apply_style(_SELECTED),
                           strip.crop(stop, strip.cell_length)])

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_stale = True

    def _model_changed(self) -> None:
        # Called from the frame clock, outside Textual's message loop: hop onto ours so
        # refreshes and messages run in this widget's context.
        if not self._update_queued:
            self._update_queued = self.call_later(self._apply_update)

    def _apply_update(self) -> None:
        self._update_queued = False
        model = self._model
        if model is None:
            return
        update = model.take_update()
        cursor = model.emulator.cursor
        if self._back and model.emulator.in_alt_screen:
            self._back = 0  # a full-screen program started: it has no history to show
        if self.selection is not None and not self._selecting and (
                update.dirty is None or not update.dirty.isdisjoint(self.selection.rows())):
            self.selection = None  # what was selected changed under it, as in xterm
        if update.dirty is None or self._back:
            self._lines.clear()
            self.refresh()
        else:
            rows = update.dirty
            if cursor != self._cursor:
                rows = rows | {cursor.row, self._cursor.row}
            width = self.size.width
            for row in rows:
                self._lines.pop(row, None)
            self.refresh(*(Region(0, row, width, 1) for row in rows))
        self._cursor = cursor
        if model.emulator.in_alt_screen != self._full_screen:
            self._full_screen = not self._full_screen
            self.post_message(self.FullScreenChanged(self, self._full_screen))
        if update.title is not None:
            self.post_message(self.TitleChanged(self, update.title))
        if update.exited:
            self.post_message(self.Exited(self, model.exit_code))

    def _refresh_cursor_row(self) -> None:
        self._lines.pop(self._cursor.row, None)
        self.refresh(Region(0, self._cursor.row, self.size.width, 1))

    # -- size ------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def on_mount(self) -> None:
        self._fit()
        self._model_changed()

    def on_unmount(self) -> None:
        # The model outlives the widget (it may be shown again); stop calling us.
        if self._model is not None:
            self._model.set_listener(None)

    def _fit(self) -> None:
        rows, cols = self.size.height, self.size.width
        if self._model is None or rows <= 0 or cols <= 0:  # hidden: keep the last size
            return
        emulator = self._model.emulator
        if (emulator.rows, emulator.cols) != (rows, cols):
            self._model.resize(rows, cols)
            self._lines.clear()
            self.refresh()

    # -- input -----------------------------------------------------------------------

    def is_app_key(self, key: str) -> bool:
        """Whether ``key`` goes to the app rather than to the program right now."""
        model = self._model
        full_screen = model is not None and model.emulator.in_alt_screen
        return self.routing.is_app_key(key, full_screen=full_screen)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # Textual drops the app's (priority) bindings for keys a focused widget
        # consumes: this is how a full-screen program gets F10 before the app does.
        return (self._model is not None and not self.is_app_key(key)
                and encode_key(key, character) is not None)

    async def _on_key(self, event: events.Key) -> None:
        model = self._model
        if model is None or self.is_app_key(event.key):
            return  # bubbles to the app's bindings
        if event.key in ("shift+pageup", "shift+pagedown"):
            page = max(1, self.size.height - 1)
            self.scroll_history(page if event.key == "shift+pageup" else -page)
            _consume(event)
            return
        if model.exited:
            if event.key == "enter":
                self.post_message(self.RestartRequested(self))
            _consume(event)
            return
        data = encode_key(event.key, event.character, app_cursor=model.emulator.app_cursor_keys)
        if data is None:
            return
        _consume(event)
        self.clear_selection()
        self.scroll_history(-self._back)
        model.write(data)

    def on_paste(self, event: events.Paste) -> None:
        model = self._model
        if model is None or model.exited:
            return
        event.stop()
        # Like xterm: newlines arrive as Enter, and a pasted end marker cannot close
        # the bracket early and run what follows it.
        text = event.text.replace("\r\n", "\r").replace("\n", "\r")
        if model.emulator.bracketed_paste:
            text = _PASTE_START + text.replace(_PASTE_END, "") + _PASTE_END
        self.scroll_history(-self._back)
        model.write(text)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, up=True)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, up=False)

    def _wheel(self, event: events.MouseEvent, *, up: bool) -> None:
        model = self._model
        if model is None:
            return
        event.stop()
        emulator = model.emulator
        if emulator.mouse_tracking and self._back == 0:
            report = encode_wheel(up, event.x, event.y, sgr=emulator.mouse_sgr)
            if report:
                model.write(report)
        elif emulator.in_alt_screen:
            # Full-screen programs without mouse support (less, man) scroll with arrows.
            key = "up" if up else "down"
            data = encode_key(key, None, app_cursor=emulator.app_cursor_keys) or b""
            model.write(data * _WHEEL_LINES)
        else:
            self.scroll_history(_WHEEL_LINES if up else -_WHEEL_LINES)

    # -- mouse: reports to programs, or selection ----------------------------------------

    def _tracking(self, event: events.MouseEvent) -> bool:
        """Whether mouse events go to the program (it asked, and Shift is not held)."""
        model = self._model
        return (model is not None and model.emulator.mouse_mode != 0 and self._back == 0
                and not event.shift and not self._selecting)

    def _report(self, action: MouseAction, event: events.MouseEvent, button: int) -> None:
        model = self._model
        assert model is not None
        emulator = model.emulator
        col = max(0, min(emulator.cols - 1, event.x))
        row = max(0, min(emulator.rows - 1, event.y))
        report = encode_mouse(action, button, col, row, mode=emulator.mouse_mode,
                              sgr=emulator.mouse_sgr, shift=event.shift, alt=event.meta,
                              ctrl=event.ctrl)
        if report:
            model.write(report)

    def _point(self, event: events.MouseEvent) -> tuple[int, int]:
        y = max(0, min(self.size.height - 1, event.y))
        x = max(0, min(self.size.width - 1, event.x))
        return (y - self._back, x)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if self._model is None:
            return
        event.stop()
        if self._tracking(event):
            self._mouse_button = event.button
            self._report(MouseAction.PRESS, event, event.button)
            self.capture_mouse()
            return
        if event.button == 1:
            point = self._point(event)
            self.selection = Selection(point, point)
            self._selecting = True
            self.capture_mouse()
            self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._model is None:
            return
        if self._selecting:
            event.stop()
            if self.selection is not None:
                self.selection = Selection(self.selection.anchor, self._point(event))
                self.refresh()
        elif self._tracking(event):
            event.stop()
            self._report(MouseAction.MOTION, event, self._mouse_button)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._model is None:
            return
        event.stop()
        self.release_mouse()
        if self._selecting:
            self._selecting = False
            text = self.selected_text()
            if text:
                self.app.copy_to_clipboard(text)
                self.notify(f"Copied {len(text)} characters.", timeout=2)
            return
        if self._tracking(event):
            button, self._mouse_button = self._mouse_button or event.button, 0
            self._report(MouseAction.RELEASE, event, button)

    def selected_text(self) -> str:
        """The text of the selection, rows joined by newlines, trailing blanks dropped."""
        model, selection = self._model, self.selection
        if model is None or selection is None or selection.empty:
            return ""
        emulator = model.emulator
        width = emulator.cols
        lines = []
        for row in selection.rows():
            if not -emulator.history_size <= row < emulator.rows:
                continue
            cols = selection.columns(row, width)
            if cols is None:
                continue
            strip = self._painter.strip(emulator.runs(row), width)
            lines.append(strip.crop(*cols).text.rstrip())
        return "\n".join(lines)

    def clear_selection(self) -> None:
        if self.selection is not None:
            self.selection = None
            self._selecting = False
            self.refresh()

    def on_focus(self) -> None:
        self._refresh_cursor_row()

    def on_blur(self) -> None:
        self._refresh_cursor_row()


def _consume(event: events.Key) -> None:
    event.stop()
    event.prevent_default()
