"""Approval cards show the change: diffs against the file on disk, commands with their
directory, and the raw arguments one key away (issue #15 item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static
from tui_helpers import until

from tabwise.tui.screens._sessions import describe_session
from tabwise.tui.widgets import ApprovalCard
from tabwise.tui.widgets._diff_view import (
    MAX_FILE_BYTES,
    MAX_LINES,
    NEW_FILE_HEAD,
    DiffView,
    preview,
)
from tabwise.tui.widgets._status_bar import format_spend

from helpers import session_of, usage_of


def kinds(lines: Any) -> list[tuple[str, str]]:
    return [(line.kind, line.text) for line in lines]


def test_write_over_an_existing_file_is_a_unified_diff(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\ntwo\nthree\n")
    lines = preview("write_file", {"path": "a.txt", "content": "one\n2\nthree\n"},
                    str(tmp_path))
    assert lines is not None
    assert kinds(lines) == [("header", "--- a/a.txt"), ("header", "+++ b/a.txt"),
                            ("hunk", "@@ -1,3 +1,3 @@"), ("context", " one"),
                            ("removed", "-two"), ("added", "+2"), ("context", " three")]


def test_new_file_shows_its_head_and_says_how_much_is_left(tmp_path: Path) -> None:
    content = "".join(f"row {i}\n" for i in range(50))
    lines = preview("write_file", {"path": "new/b.txt", "content": content}, str(tmp_path))
    assert lines is not None
    assert lines[0].text == "new file new/b.txt (50 lines)"
    assert [line.text for line in lines[1:3]] == ["+row 0", "+row 1"]
    assert len(lines) == 1 + NEW_FILE_HEAD + 1
    assert lines[-1].kind == "note" and "30 more lines" in lines[-1].text


def test_binary_large_and_identical_files_get_a_note(tmp_path: Path) -> None:
    (tmp_path / "img.bin").write_bytes(b"\x89PNG\0\0\1")
    lines = preview("write_file", {"path": "img.bin", "content": "x"}, str(tmp_path))
    assert lines is not None and "binary file" in lines[-1].text
    (tmp_path / "big.txt").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    lines = preview("write_file", {"path": "big.txt", "content": "x"}, str(tmp_path))
    assert lines is not None and "large" in lines[-1].text
    (tmp_path / "same.txt").write_text("same\n")
    lines = preview("write_file", {"path": "same.txt", "content": "same\n"}, str(tmp_path))
    assert lines is not None and kinds(lines) == [("note", "same.txt: no change.")]


def test_long_diff_is_cut_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("".join(f"{i}\n" for i in range(500)))
    new = "".join(f"{i}!\n" for i in range(500))
    lines = preview("write_file", {"path": "c.txt", "content": new}, str(tmp_path))
    assert lines is not None and len(lines) == MAX_LINES + 1
    assert "more lines of the diff not shown" in lines[-1].text


def test_edit_is_diffed_in_place_and_a_failing_edit_says_so(tmp_path: Path) -> None:
    (tmp_path / "d.py").write_text("a = 1\nb = 2\nc = 3\n")
    lines = preview("edit_file", {"path": str(tmp_path / "d.py"), "old_text": "b = 2",
                                  "new_text": "b = 20"}, None)
    assert lines is not None and ("removed", "-b = 2") in kinds(lines)
    assert ("added", "+b = 20") in kinds(lines) and ("context", " a = 1") in kinds(lines)
    missing = preview("edit_file", {"path": "d.py", "old_text": "zzz", "new_text": "y"},
                      str(tmp_path))
    assert missing is not None and "not in d.py" in missing[0].text
    gone = preview("edit_file", {"path": "nope.py", "old_text": "x", "new_text": "y"},
                   str(tmp_path))
    assert gone is not None and "does not exist" in gone[0].text


def test_command_shows_the_command_and_directory() -> None:
    lines = preview("run_command", {"command": "make test", "timeout_seconds": None},
                    "/srv/app")
    assert lines is not None
    assert kinds(lines) == [("command", "$ make test"), ("note", "in /srv/app")]


def test_other_tools_have_no_preview() -> None:
    assert preview("read_file", {"path": "x"}, "/") is None
    assert preview("files_read", {"path": "x"}, "/") is None  # an MCP tool
    assert preview("write_file", {"path": 3}, "/") is None  # arguments that do not fit


def test_spend_label() -> None:
    assert format_spend(usage_of({"requests": 0, "input_tokens": 0, "output_tokens": 0})) == ""
    assert format_spend(usage_of({"requests": 2, "input_tokens": 12000, "output_tokens": 345,
                         "cost_usd": None})) == "12.3k tok · —"
    assert format_spend(usage_of({"requests": 2, "input_tokens": 100, "output_tokens": 20,
                         "cost_usd": 0.01234, "unpriced_requests": 0})) == "120 tok · $0.0123"
    assert format_spend(usage_of({"requests": 3, "input_tokens": 100, "output_tokens": 20,
                         "cost_usd": 0.5, "unpriced_requests": 1})) == "120 tok · $0.5000+"
    # The sessions browser shows the same label for each session.
    line = str(describe_session(session_of({
        "session_id": "abc", "name": "build", "ai_config": None, "created_at": 0,
        "updated_at": None, "usage": {"requests": 4, "input_tokens": 1500,
                                      "output_tokens": 20, "cost_usd": None}})))
    assert "1.5k tok · —" in line


class CardApp(App[None]):
    def __init__(self, card: ApprovalCard) -> None:
        super().__init__()
        self.card = card

    def compose(self) -> ComposeResult:
        yield self.card


async def test_r_toggles_between_the_diff_and_the_raw_arguments(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_text("old\n")
    card = ApprovalCard("s", "r1", "write_file", {"path": "e.txt", "content": "new\n"},
                        "medium", working_directory=str(tmp_path))
    app = CardApp(card)
    async with app.run_test() as pilot:
        diff = card.query_one(DiffView)
        await until(lambda: bool(diff.lines))
        raw = card.query_one(".approval-card--args", Static)
        assert diff.display and not raw.display
        assert ("added", "+new") in kinds(diff.lines)
        card.focus()
        await pilot.press("r")
        assert raw.display and not diff.display
        await pilot.press("r")
        assert diff.display and not raw.display
        card.resolve("approved")
        await pilot.pause()
        assert not diff.display and not raw.display


async def test_a_tool_without_preview_shows_raw_arguments() -> None:
    card = ApprovalCard("s", "r1", "files_read", {"path": "x"}, "high")
    async with CardApp(card).run_test():
        assert card.query_one(".approval-card--args", Static).display
        assert not card.border_subtitle
