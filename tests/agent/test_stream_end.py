"""A stream cut before the provider's end marker is an error, never an answer (#10 item 4)."""

from __future__ import annotations

import pytest

from tabwise.commands import Tabwise
from tabwise.errors import ProviderError

from fake_llm import FakeLLM, Reply
from helpers import collect_until, of_type, terminal


@pytest.mark.parametrize("cut", ["end_after", "break_after"])
async def test_a_cut_stream_is_an_error_and_nothing_is_saved(core: Tabwise, fake_llm: FakeLLM,
                                                             workdir: object, cut: str) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    sub = core.subscribe(sid)
    # Two text chunks after the role chunk, then the body ends (or the socket drops)
    # with no finish_reason and no [DONE].
    fake_llm.script("m1", Reply(text="partial answer that never ends", chunk_size=6,
                                **{cut: 3}))
    with pytest.raises(ProviderError) as err:
        await core.send_ai_prompt(sid, "tell me everything")
    events = await collect_until(sub, terminal)
    assert not of_type(events, "completed")
    (error,) = of_type(events, "error")
    assert error.payload.error_type in ("incomplete_stream", "connection")
    assert err.value.error_type == error.payload.error_type
    assert await core.get_ai_conversation_length(sid) == 0
    assert core.archive is not None
    await core.archive.flush()
    assert await core.archive.load_transcript(sid) == []
    # The tab still works.
    assert await core.send_ai_prompt(sid, "again") == "echo: again"
