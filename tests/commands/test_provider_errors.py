"""Provider failures read as one sentence: the status and the provider's own message, or
the URL that could not be reached; never a raw response body, never a key (#12.9)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise.commands import Tabwise
from tabwise.errors import ProviderError

from fake_llm import FakeLLM, Reply
from helpers import KEY1, ai, collect_until, of_type, terminal


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dead_provider(port: int) -> str:
    return f"""
[ai.dead]
kind = "openai-compatible"
base_url = "http://127.0.0.1:{port}/v1"
models = ["m9"]
max_retries = 0
timeout_seconds = 5
"""


async def _fail(core: Tabwise, sid: str) -> tuple[str, str]:
    sub = core.subscribe(sid)
    with pytest.raises(ProviderError) as err:
        await core.send_ai_prompt(sid, "hi")
    [event] = of_type(await collect_until(sub, terminal), "error")
    assert event.payload.message == str(err.value)
    return str(err.value), str(event.payload.error_type)


async def test_connection_refused_names_the_url_it_tried(
        make_home: Callable[..., Path], workdir: Path) -> None:
    port = closed_port()
    core = await Tabwise.start(make_home(extra=dead_provider(port)))
    try:
        sid = (await core.create_session(str(workdir), terminal=False,
                                         ai_config=ai("dead", "m9")))
        message, kind = await _fail(core, sid.session_id)
        assert kind == "connection"
        assert message == (f"Could not reach the provider at http://127.0.0.1:{port}/v1/chat/"
                           "completions, or it dropped the connection (connection refused).")
    finally:
        await core.stop()


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(status=500, error_message="The model crashed."),
         "The provider failed with a server error (HTTP 500: The model crashed.); try again "
         "shortly."),
        (Reply(status=502, error_body="<html><body><h1>502 Bad Gateway</h1>\n<hr>nginx"
                                      "</body></html>"),
         "The provider failed with a server error (HTTP 502: Bad Gateway); try again shortly."),
        (Reply(status=400, error_body='{"detail": [{"msg": "field required", "loc": ["x"]}]}',
               error_content_type="application/json"),
         "The provider rejected the request (HTTP 400: field required)."),
        (Reply(status=503, error_body="upstream\n  connect error", error_content_type="text/plain"),
         "The provider is unavailable right now (HTTP 503: upstream); try again shortly."),
    ],
    ids=["json-500", "html-502", "nested-json-400", "text-503"],
)
async def test_an_http_error_is_one_sentence_with_the_providers_message(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path, reply: Reply, expected: str) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    fake_llm.script("m1", reply)
    message, _ = await _fail(core, sid)
    assert message == expected
    assert "body" not in message and "model_name" not in message


async def test_a_long_provider_message_is_cut_and_keys_are_scrubbed(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    fake_llm.script("m1", Reply(status=500, error_message=f"key {KEY1} failed " + "x" * 500))
    message, kind = await _fail(core, sid)
    assert kind == "server"
    assert KEY1 not in message and "[redacted]" in message
    assert "…" in message and len(message) < 300
    assert "\n" not in message
