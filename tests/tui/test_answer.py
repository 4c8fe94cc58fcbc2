"""The streamed answer: what it shows when streamed equals what it shows at once, it
costs few renders, and long code lines wrap instead of being cut."""

from __future__ import annotations

import random
import time

import pytest
from markdown_sample import sample_markdown
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from tui_helpers import until

from tabwise.tui.widgets import AnswerBlock
from tabwise.tui.widgets import _markdown_blocks as blocks
from tabwise.tui.widgets._answer import FLUSH_INTERVAL, PAINT_SHARE, SLOWEST_INTERVAL
from tabwise.tui.widgets._markdown_blocks import settled_blocks, split_blocks


class Two(App[None]):
    """Two answers side by side, the same width."""

    CSS = "VerticalScroll { width: 60; height: 1fr; scrollbar-gutter: stable; }"

    def __init__(self, *answers: AnswerBlock) -> None:
        super().__init__()
        self.answers = answers

    def compose(self) -> ComposeResult:
        for answer in self.answers:
            with VerticalScroll():
                yield answer


def lines(answer: AnswerBlock) -> list[str]:
    return [answer.render_line(y).text.rstrip() for y in range(answer.size.height)]


def test_blocks_join_back_and_settle_only_what_cannot_change() -> None:
    doc = sample_markdown(4000)
    assert "".join(split_blocks(doc)) == doc
    settled, tail = settled_blocks("para one\n\n```py\nx = 1\n")
    assert settled == ["para one\n\n"] and tail == "```py\nx = 1\n"
    # A half-written line decides nothing: "``" may become a fence or stay text.
    assert settled_blocks("- a\n``") == ([], "- a\n``")
    # A paragraph may still become a setext heading: it stays open.
    assert settled_blocks("Title\n") == ([], "Title\n")


async def test_a_streamed_answer_ends_exactly_as_the_same_markdown_rendered_at_once() -> None:
    doc = sample_markdown(6000)
    streamed, at_once = AnswerBlock(), AnswerBlock(doc)
    app = Two(streamed, at_once)
    rng = random.Random(11)
    async with app.run_test(size=(130, 50)) as pilot:
        i = 0
        while i < len(doc):
            n = rng.randint(1, 40)
            streamed.add(doc[i:i + n])
            i += n
            if rng.random() < 0.2:
                await pilot.pause(0.06)  # let some flushes happen mid-block
        streamed.finish()
        await pilot.pause()
        assert streamed.text == doc and streamed.finished
        assert streamed.size.height == at_once.size.height > 100
        assert lines(streamed) == lines(at_once)


async def test_deltas_are_coalesced_and_only_the_tail_is_rendered_again(monkeypatch) -> None:
    rendered: list[str] = []
    original = blocks.render_block

    def counting(console, options, source):  # type: ignore[no-untyped-def]
        rendered.append(source)
        return original(console, options, source)

    monkeypatch.setattr(blocks, "render_block", counting)
    doc = sample_markdown(3000)
    answer = AnswerBlock()
    async with Two(answer).run_test(size=(80, 40)) as pilot:
        for i in range(0, len(doc), 8):
            answer.add(doc[i:i + 8])
        await pilot.pause(0.2)
        answer.finish()
        await until(lambda: answer.finished)
        await pilot.pause()
        # 375 deltas, far fewer renders; each settled block rendered once.
        assert len(rendered) < 3 * len(split_blocks(doc))
        for block in split_blocks(doc)[:-1]:
            assert rendered.count(block) == 1, block


async def test_long_code_lines_wrap_instead_of_being_cut() -> None:
    end = "END-OF-A-VERY-LONG-LINE"
    doc = f"```python\nx = '{'y' * 120}' + '{end}'\n```\n"
    answer = AnswerBlock(doc)
    async with Two(answer).run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        shown = "".join(line.strip() for line in lines(answer))
        assert end in shown
        assert all(len(line) <= answer.size.width for line in lines(answer))


class Followed(App[None]):
    """One answer in a scroll container that follows its end (as the timeline does)."""

    CSS = "VerticalScroll { width: 60; height: 1fr; scrollbar-gutter: stable; }"

    def __init__(self, answer: AnswerBlock) -> None:
        super().__init__()
        self.answer = answer

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.answer

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).anchor()


def painted(app: App[None], answer: AnswerBlock) -> list[str]:
    """The answer's rows as the composed screen shows them (Textual's line caches
    included), paired with what the answer holds for those rows now."""
    screen = app.screen._compositor.render_strips()
    box = answer.content_region
    seen = box.intersection(answer.parent.content_region)  # type: ignore[union-attr]
    rows = []
    for y in range(seen.y, seen.bottom):
        shown = screen[y].crop(box.x, box.right).text.rstrip()
        held = answer.render_line(y - box.y).text.rstrip()
        rows.append(f"{shown!r} == {held!r}" if shown != held else "")
    return [r for r in rows if r]


async def test_what_a_stream_paints_is_what_it_holds_at_every_step() -> None:
    """A flush repaints only the lines it changed: every line it did not repaint must
    still be right, at the end of the answer and wherever the view has scrolled to."""
    doc = sample_markdown(5000)
    answer = AnswerBlock()
    app = Followed(answer)
    rng = random.Random(7)
    checks = 0
    async with app.run_test(size=(70, 24)) as pilot:
        i = 0
        while i < len(doc):
            n = rng.randint(1, 30)
            answer.add(doc[i:i + n])
            i += n
            if rng.random() < 0.15:
                await pilot.pause(0.25)  # the flush, and its paint
                assert painted(app, answer) == []
                checks += 1
        answer.finish()
        await pilot.pause(0.1)
        assert painted(app, answer) == [] and checks > 10
        assert answer.size.height > 2 * 24  # it did scroll: the view followed the end


async def test_paints_are_paced_by_what_they_cost() -> None:
    answer = AnswerBlock()
    async with Two(answer).run_test(size=(80, 20)):
        answer._paced(time.thread_time())  # a paint that cost nothing
        assert answer._interval == FLUSH_INTERVAL
        answer._paced(time.thread_time() - 0.005)  # 5 ms: 10 % of a 50 ms step
        assert answer._interval == pytest.approx(0.005 / PAINT_SHARE, rel=0.2)
        answer._paced(time.thread_time() - 1.0)  # never slower than 5 paints a second
        assert answer._interval == SLOWEST_INTERVAL
