"""search_files over a real tree in tmp_path."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tabwise.agent.toolkit import SecretRules, ToolError, _search, search_files
from tabwise.agent.toolkit._limits import SEARCH_MAX_MATCHES


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    files = {
        "src/app.py": "import os\ndef main():\n    return TODO_one\n",
        "src/lib/util.ts": "// TODO_two\nexport const x = 1;\n",
        "README.md": "Nothing here\nTODO_three in docs\n",
        "node_modules/pkg/index.js": "TODO_hidden\n",
        ".git/config": "TODO_hidden\n",
        ".venv/lib/site.py": "TODO_hidden\n",
        "src/__pycache__/app.pyc": "TODO_hidden\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "image.bin").write_bytes(b"TODO_binary\0\x01")
    return tmp_path


async def test_search_reports_relpath_line_text_and_skips_noise(tree: Path) -> None:
    result = await search_files(tree, r"TODO_\w+")
    assert result.splitlines() == [
        "README.md:2: TODO_three in docs",
        "src/app.py:3:     return TODO_one",
        "src/lib/util.ts:1: // TODO_two",
    ]


async def test_search_glob_by_name_and_by_path(tree: Path) -> None:
    assert (await search_files(tree, "TODO", glob="*.py")).splitlines() == \
        ["src/app.py:3:     return TODO_one"]
    assert (await search_files(tree, "TODO", glob="src/**/*.ts")).splitlines() == \
        ["src/lib/util.ts:1: // TODO_two"]
    assert len((await search_files(tree, "TODO", glob="*.{py,md}")).splitlines()) == 2


async def test_search_in_subdirectory_single_file_and_absolute(tree: Path) -> None:
    assert (await search_files(tree, "export", path="src/lib")) == \
        "src/lib/util.ts:2: export const x = 1;"
    assert (await search_files(tree, "def", path="src/app.py")) == "src/app.py:2: def main():"
    other = tree / "src"
    result = await search_files(other, "Nothing", path=str(tree / "README.md"))
    assert result == f"{tree / 'README.md'}:1: Nothing here"


async def test_search_explicit_skipped_dir_is_searched(tree: Path) -> None:
    assert await search_files(tree, "TODO", path="node_modules") == \
        "node_modules/pkg/index.js:1: TODO_hidden"


async def test_search_no_matches_says_what_was_searched(tree: Path) -> None:
    assert await search_files(tree, "absent", glob="*.md") == \
        f"No matches for 'absent' in {tree} (files matching '*.md'); searched 1 text file."


async def test_search_caps_matches(tmp_path: Path) -> None:
    (tmp_path / "many.txt").write_text("hit\n" * (SEARCH_MAX_MATCHES + 50))
    result = await search_files(tmp_path, "hit")
    body, note = result.rsplit("\n\n", 1)
    assert len(body.splitlines()) == SEARCH_MAX_MATCHES
    assert note.startswith(f"[truncated: showing the first {SEARCH_MAX_MATCHES} matches;")


async def test_search_errors(tree: Path) -> None:
    with pytest.raises(ToolError, match=r"not a valid regular expression .*escape"):
        await search_files(tree, "foo(")
    with pytest.raises(ToolError, match="missing does not exist"):
        await search_files(tree, "x", path="missing")
    with pytest.raises(ToolError, match=r"image\.bin is a binary file"):
        await search_files(tree, "x", path="image.bin")


# -- RE2 (issue #10): line semantics, a time limit, secrets skipped --------------------


async def test_catastrophic_pattern_finishes_at_once(tmp_path: Path) -> None:
    (tmp_path / "evil.txt").write_text("a" * 5000 + "!\n")
    result = await asyncio.wait_for(search_files(tmp_path, "(a+)+$"), 2)
    assert result.startswith("No matches for '(a+)+$'")


async def test_matches_stay_within_one_line_with_line_anchors(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes(b"alpha\r\nbeta end\r\n\ngamma\nbeta\xc3\xa9 x\nlast")
    assert await search_files(tmp_path, "end$") == "f.txt:2: beta end"
    assert await search_files(tmp_path, r"a\s+b") == "No matches for 'a\\\\s+b' in " \
        f"{tmp_path}; searched 1 text file."
    assert (await search_files(tmp_path, "^beta")).splitlines() == [
        "f.txt:2: beta end", "f.txt:5: betaé x"]
    assert await search_files(tmp_path, "é .$") == "f.txt:5: betaé x"
    assert await search_files(tmp_path, "^$") == "f.txt:3: "
    assert await search_files(tmp_path, "t$") == "f.txt:6: last"
    assert len((await search_files(tmp_path, "")).splitlines()) == 6


async def test_unsupported_syntax_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="no look-around and no backreferences"):
        await search_files(tmp_path, "foo(?=bar)")
    with pytest.raises(ToolError, match="not valid text"):
        await search_files(tmp_path, "\ud800")


async def test_time_limit_is_told_to_the_model(tree: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_search, "SEARCH_TIME_LIMIT_SECONDS", 0.0)
    result = await search_files(tree, "TODO")
    assert "[stopped after 0 s, the time limit, having searched 0 files;" in result


async def test_cancel_stops_the_walk_thread(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(2000):
        (tmp_path / f"f{i}.txt").write_text("x\n")
    opened: list[Path] = []
    search_file = _search._Search._search_file

    def slow(self: _search._Search, file: Path, room: int) -> object:
        opened.append(file)
        time.sleep(0.001)
        return search_file(self, file, room)

    monkeypatch.setattr(_search._Search, "_search_file", slow)
    task = asyncio.create_task(search_files(tmp_path, "never-there"))
    while not opened:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.1)
    seen = len(opened)
    await asyncio.sleep(0.2)
    assert len(opened) == seen < 2000


async def test_walk_skips_secret_files_unless_asked_for(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text("KEY here\n")
    (home / ".env").write_text("KEY=1\n")
    (home / "notes.txt").write_text("KEY is elsewhere\n")
    (home / "link.txt").symlink_to(home / ".ssh" / "known_hosts")
    rules = SecretRules((home,))
    result = await search_files(home, "KEY", rules=rules)
    body, note = result.split("\n\n")
    assert body == "notes.txt:1: KEY is elsewhere"
    assert note.startswith("[skipped 3 secret-looking path(s):")
    assert ".ssh/" in note and ".env" in note and "link.txt" in note
    # Searching the secret place itself was asked about: nothing is skipped there.
    assert await search_files(home, "KEY", ".ssh", rules=rules) == \
        ".ssh/known_hosts:1: KEY here"


async def test_walk_does_not_follow_links_out_of_the_tree(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tmp_path / "outside.txt").write_text("needle outside\n")
    (tree / "inside.txt").write_text("needle inside\n")
    (tree / "door.txt").symlink_to(tmp_path / "outside.txt")
    (tree / "alias.txt").symlink_to("inside.txt")
    result = await search_files(tree, "needle")
    body, note = result.split("\n\n")
    assert body.splitlines() == ["alias.txt:1: needle inside", "inside.txt:1: needle inside"]
    assert note == ("[skipped 1 link(s) pointing outside the searched directory: door.txt; "
                    "read_file asks the user before following one]")
