"""search_files over a real tree in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tabwise.agent.toolkit import ToolError, search_files
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
