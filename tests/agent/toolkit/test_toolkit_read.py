"""read_file and list_directory against real files in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tabwise.agent.toolkit import ToolError, _read, list_directory, read_file
from tabwise.agent.toolkit._limits import (
    LIST_MAX_ENTRIES,
    READ_MAX_BYTES,
    READ_MAX_LINE_CHARS,
    READ_MAX_LINES,
)


def lines(n: int) -> str:
    return "".join(f"line {i}\n" for i in range(1, n + 1))


async def test_read_whole_file_relative_to_cwd(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("one\ntwo\n")
    assert await read_file(tmp_path, "sub/a.txt") == "one\ntwo"


async def test_read_absolute_path_ignores_cwd(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("hello")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert await read_file(elsewhere, str(target)) == "hello"


async def test_read_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "notes.md").write_text("from home\n")
    assert await read_file(Path("/"), "~/notes.md") == "from home"


async def test_read_offset_and_limit_note_the_range(tmp_path: Path) -> None:
    (tmp_path / "f").write_text(lines(10))
    result = await read_file(tmp_path, "f", offset=3, limit=2)
    assert result == "line 3\nline 4\n\n[showing lines 3-4 of 10]"
    assert (await read_file(tmp_path, "f", offset=9)).startswith("line 9\nline 10\n\n")


async def test_read_caps_lines_with_truncation_note(tmp_path: Path) -> None:
    (tmp_path / "big").write_text(lines(READ_MAX_LINES + 500))
    result = await read_file(tmp_path, "big")
    body, note = result.rsplit("\n\n", 1)
    assert len(body.splitlines()) == READ_MAX_LINES
    assert note == (f"[truncated: showing lines 1-{READ_MAX_LINES} of {READ_MAX_LINES + 500}; "
                    "use offset/limit to read more]")
    rest = await read_file(tmp_path, "big", offset=READ_MAX_LINES + 1)
    assert rest.startswith(f"line {READ_MAX_LINES + 1}\n")
    assert rest.endswith(f"[showing lines {READ_MAX_LINES + 1}-{READ_MAX_LINES + 500} of "
                         f"{READ_MAX_LINES + 500}]")


async def test_read_caps_bytes(tmp_path: Path) -> None:
    row = "x" * 999 + "\n"
    (tmp_path / "wide").write_text(row * 300)
    result = await read_file(tmp_path, "wide")
    assert len(result.encode()) <= READ_MAX_BYTES + 200
    assert "[truncated: showing lines 1-" in result and "of 300;" in result


async def test_read_clips_a_giant_line(tmp_path: Path) -> None:
    (tmp_path / "min.js").write_text("a" * 1_000_000 + "\nsecond\n")
    result = await read_file(tmp_path, "min.js")
    first, second = result.split("\n")
    assert first == "a" * READ_MAX_LINE_CHARS + " … [line truncated]"
    assert second == "second"


async def test_read_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    assert await read_file(tmp_path, "empty") == "(empty is empty.)"


async def test_read_non_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "latin1").write_bytes("café\n".encode("latin-1"))
    assert await read_file(tmp_path, "latin1") == "caf\ufffd"


@pytest.mark.parametrize(("setup", "path", "message"), [
    (lambda d: None, "missing.txt", "missing.txt does not exist."),
    (lambda d: (d / "dir").mkdir(), "dir", "dir is a directory, not a file; use list_directory"),
    (lambda d: (d / "bin").write_bytes(b"\x89PNG\0\0data"), "bin", "bin is a binary file"),
    (lambda d: os.mkfifo(d / "fifo"), "fifo", "fifo is not a regular file"),
    (lambda d: (d / "file").write_text("x"), "file/inner", "file/inner is not a directory"),
])
async def test_read_errors(tmp_path: Path, setup: object, path: str, message: str) -> None:
    setup(tmp_path)  # type: ignore[operator]
    with pytest.raises(ToolError, match="^" + message.replace(".", r"\.")):
        await read_file(tmp_path, path)


async def test_read_bad_offset_and_limit(tmp_path: Path) -> None:
    (tmp_path / "f").write_text(lines(3))
    with pytest.raises(ToolError, match="offset 9 is past the end of f, which has 3 lines"):
        await read_file(tmp_path, "f", offset=9)
    with pytest.raises(ToolError, match="must be 1 or more; it was 0"):
        await read_file(tmp_path, "f", offset=0)
    with pytest.raises(ToolError, match="limit is the number of lines"):
        await read_file(tmp_path, "f", limit=0)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
async def test_read_permission_denied(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("x")
    secret.chmod(0)
    with pytest.raises(ToolError, match="Permission denied: cannot read secret"):
        await read_file(tmp_path, "secret")


async def test_list_sorted_with_dirs_sizes_and_links(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("x" * 10)
    (tmp_path / "A_dir").mkdir()
    (tmp_path / "c.bin").write_bytes(b"\0" * 3000)
    (tmp_path / "link").symlink_to("b.txt")
    (tmp_path / "dirlink").symlink_to("A_dir")
    (tmp_path / "dangling").symlink_to("nowhere")
    assert (await list_directory(tmp_path)).splitlines() == [
        "A_dir/",
        "b.txt  10 B",
        "c.bin  2.9 KB",
        "dangling -> nowhere  (broken link)",
        "dirlink/ -> A_dir",
        "link -> b.txt  10 B",
    ]


async def test_list_relative_subdirectory_and_empty(tmp_path: Path) -> None:
    (tmp_path / "sub" / "inner").mkdir(parents=True)
    assert await list_directory(tmp_path, "sub") == "inner/"
    assert await list_directory(tmp_path, "sub/inner") == "(sub/inner is empty.)"


async def test_list_caps_entries(tmp_path: Path) -> None:
    for i in range(LIST_MAX_ENTRIES + 5):
        (tmp_path / f"f{i:05}").touch()
    result = await list_directory(tmp_path)
    body, note = result.rsplit("\n\n", 1)
    assert len(body.splitlines()) == LIST_MAX_ENTRIES
    assert note.startswith(f"[truncated: showing {LIST_MAX_ENTRIES} of "
                           f"{LIST_MAX_ENTRIES + 5} entries;")


async def test_list_errors(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ToolError, match="file is a file, not a directory; use read_file"):
        await list_directory(tmp_path, "file")
    with pytest.raises(ToolError, match="nope does not exist"):
        await list_directory(tmp_path, "nope")


async def test_read_counts_the_rest_cheaply_and_within_a_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "f").write_text(lines(5000) + "no newline at the end")
    assert (await read_file(tmp_path, "f", limit=2)).endswith("[showing lines 1-2 of 5001]")
    monkeypatch.setattr(_read, "READ_COUNT_MAX_BYTES", 1000)
    size = (tmp_path / "f").stat().st_size
    note = (await read_file(tmp_path, "f", limit=2)).rsplit("\n\n", 1)[1]
    assert note.startswith("[showing lines 1-2 of at least ")
    assert note.endswith(f" ({size} bytes)]")
