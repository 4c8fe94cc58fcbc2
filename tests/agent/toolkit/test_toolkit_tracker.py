"""CommandTracker: a tab's commands and everything they left running, stopped at once."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from tabwise.agent.toolkit import CommandTracker, ToolError, run_command
from tabwise.agent.toolkit._tracker import tagged_processes

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")


async def test_stop_all_ends_background_and_escaped_children(tmp_path: Path) -> None:
    tracker = CommandTracker()
    command = "sleep 301 & echo started"
    if shutil.which("setsid"):
        command += "; setsid sleep 302 &"
    result = await run_command(tmp_path, command, 10, tracker=tracker)
    assert result.startswith("started")
    pids = tagged_processes(tracker.tag)
    assert len(pids) == (2 if shutil.which("setsid") else 1)
    await asyncio.wait_for(tracker.stop_all(), 5)
    assert tagged_processes(tracker.tag) == []
    with pytest.raises(ToolError, match="closing"):
        await run_command(tmp_path, "true", 10, tracker=tracker)


async def test_sigterm_ignored_still_dies_and_other_tabs_are_untouched(
        tmp_path: Path) -> None:
    mine, theirs = CommandTracker(), CommandTracker()
    await run_command(tmp_path, "sh -c 'trap \"\" TERM; sleep 303' &", 10, tracker=mine)
    await run_command(tmp_path, "sleep 304 &", 10, tracker=theirs)
    await asyncio.sleep(0.1)  # let the trap be set
    await asyncio.wait_for(mine.stop_all(), 5)
    assert tagged_processes(mine.tag) == []
    assert tagged_processes(theirs.tag)
    await theirs.stop_all()
    assert tagged_processes(theirs.tag) == []


async def test_a_tracker_that_ran_nothing_stops_at_once() -> None:
    tracker = CommandTracker()
    await asyncio.wait_for(tracker.stop_all(), 0.5)
    assert tracker.closed
