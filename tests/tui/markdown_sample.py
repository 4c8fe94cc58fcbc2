"""A Markdown answer of the kind real models write: headings, paragraphs, nested lists,
fenced code (with a line longer than any panel), a table, a quote. Deterministic, so
tests and benchmarks (``benchmarks/bench_tui.py``) stream the same document."""

from __future__ import annotations

__all__ = ["sample_markdown"]

_SECTION = """\
## {n}. Step {n}: configure the `{name}` service

To set up **{name}**, edit the file and restart it. This paragraph is long enough to \
wrap across several lines in the agent panel, the way real explanations do, with \
*emphasis*, `inline code` and a [link](https://example.com/{name}) in it.

- check that `{name}` is installed
- open the settings:
  - `~/.config/{name}/config.toml` on Linux
  - `~/Library/Application Support/{name}` on macOS
- restart with `systemctl restart {name}`

```python
def configure_{name}(path: str, retries: int = {n}) -> dict[str, int]:
    \"\"\"Read the settings of {name} and return them.\"\"\"
    settings = {{"retries": retries, "timeout": 30}}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition("=")
            settings[key.strip()] = int(value)
    very_long_line = {long}
    return settings
```

| option | default | meaning |
| --- | --- | --- |
| `retries` | {n} | attempts before giving up |
| `timeout` | 30 | seconds per request |
| `{name}_mode` | fast | how {name} runs |

> Note: {name} reads its settings only at start.

"""

# A code line longer than the panel is wide: it must wrap, not be cut.
_LONG = '"{name}-" + "x" * 40 + " and this line goes on past the right edge: END{n}"'
_NAMES = ("nginx", "redis", "postgres", "caddy", "sshd", "docker", "cron", "rsync")


def sample_markdown(size: int = 20_000) -> str:
    """At least ``size`` characters of Markdown, in whole sections, ending in a line
    ``The end.``"""
    parts = ["# Setting up the services\n\nHere is what to do, service by service.\n\n"]
    n = 0
    while sum(map(len, parts)) < size:
        n += 1
        name = _NAMES[(n - 1) % len(_NAMES)]
        parts.append(_SECTION.format(n=n, name=name, long=_LONG.format(n=n, name=name)))
    parts.append("The end.\n")
    return "".join(parts)
