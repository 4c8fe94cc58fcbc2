"""``tabwise.api.views``: the views every front end draws alike, from api values only."""

from __future__ import annotations

import subprocess
import sys

from tabwise.api import AiConfig, Usage
from tabwise.api.views import CompareEntry, comparison_markdown


def test_a_comparison_as_markdown() -> None:
    usage = Usage(10, 5, 1, None, 1, ())
    text = comparison_markdown("two\n\nlines", [
        CompareEntry(AiConfig("a", "m1"), "an answer\n", None, usage, 1500.0),
        CompareEntry(AiConfig("b", "m2"), None, "Provider 'b' is not configured.", None, None),
    ])
    assert text.startswith("# Comparison\n\n## Prompt\n\n> two\n>\n> lines\n")
    assert "## a · m1\n\n*10 input + 5 output tokens · 1 request(s) · cost unknown · 1.5 s*" \
        in text
    assert "an answer\n\n## b · m2" in text
    assert text.endswith("**Failed:** Provider 'b' is not configured.\n")


def test_views_need_no_core() -> None:
    code = ("import sys, tabwise.api.views\n"
            "assert not any(m.startswith(('tabwise.commands', 'textual')) for m in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
