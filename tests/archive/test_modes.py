"""The archive, logs, token and their directories are readable by the user alone
(DESIGN §7, issue #10 item 8): 0600 files, 0700 directories, fixed on start too."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tabwise._logging import setup_logging
from tabwise.commands import Tabwise
from tabwise.server import load_or_create_token


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: files 0644, directories 0755
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def log_to(request: pytest.FixtureRequest) -> Iterator[Callable[[Path], Path]]:
    before = list(logging.getLogger("tabwise").handlers)

    def setup(logs_dir: Path) -> Path:
        return setup_logging(logs_dir)

    yield setup
    root = logging.getLogger("tabwise")
    for h in list(root.handlers):
        if h not in before:
            root.removeHandler(h)
            h.close()


async def test_a_new_home_is_private(make_home: Callable[..., Path], workdir: Path,
                                     loose_umask: None,
                                     log_to: Callable[[Path], Path]) -> None:
    home = make_home()
    os.chmod(home, 0o755)
    core = await Tabwise.start(home)
    try:
        await core.create_session(str(workdir), name="secret tab", terminal=False)
        assert core.archive is not None
        await core.archive.flush()
        log = log_to(core.paths.logs_dir)
        logging.getLogger("tabwise").warning("a line")
        load_or_create_token(core.paths.token_file)
        db = core.paths.db_file
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), log, core.paths.token_file]
        for f in files:
            assert f.exists(), f
            assert mode(f) == 0o600, f"{f.name} is {oct(mode(f))}"
        for d in (home, core.paths.logs_dir):
            assert mode(d) == 0o700, f"{d} is {oct(mode(d))}"
    finally:
        await core.stop()


async def test_an_old_world_readable_home_is_fixed_on_start(
        make_home: Callable[..., Path], workdir: Path, loose_umask: None,
        log_to: Callable[[Path], Path]) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    await core.create_session(str(workdir), terminal=False)
    await core.stop()
    db = core.paths.db_file
    logs = core.paths.logs_dir
    log = log_to(logs)
    logging.getLogger("tabwise").warning("a line")
    for f in (db, log):
        os.chmod(f, 0o644)
    for d in (home, logs):
        os.chmod(d, 0o755)
    for h in list(logging.getLogger("tabwise").handlers):
        if isinstance(h, logging.FileHandler):
            logging.getLogger("tabwise").removeHandler(h)
            h.close()

    core = await Tabwise.start(home)
    try:
        log_to(logs)
        logging.getLogger("tabwise").warning("another line")
        assert core.archive is not None
        await core.archive.flush()
        for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), log):
            assert mode(f) == 0o600, f"{f.name} is {oct(mode(f))}"
        for d in (home, logs):
            assert mode(d) == 0o700, f"{d} is {oct(mode(d))}"
    finally:
        await core.stop()


def test_rotated_logs_stay_private(tmp_path: Path, loose_umask: None,
                                   log_to: Callable[[Path], Path]) -> None:
    path = log_to(tmp_path / "logs")
    handler = next(h for h in logging.getLogger("tabwise").handlers
                   if isinstance(h, logging.FileHandler) and h.baseFilename == str(path))
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    logging.getLogger("tabwise").warning("before rotation")
    handler.doRollover()
    logging.getLogger("tabwise").warning("after rotation")
    for f in (path, Path(f"{path}.1")):
        assert mode(f) == 0o600, f"{f.name} is {oct(mode(f))}"
