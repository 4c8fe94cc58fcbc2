"""The toolkit's front door: ``__all__`` lists exactly the public names."""

from __future__ import annotations

import inspect

from tabwise.agent import toolkit


def test_all_is_honest() -> None:
    public = {name for name in vars(toolkit) if not name.startswith("_")}
    public -= {"annotations"}
    assert set(toolkit.__all__) == public
    assert sorted(toolkit.__all__) == toolkit.__all__


def test_tools_are_async_with_documented_signatures() -> None:
    for name in toolkit.__all__:
        if name in {"CommandTracker", "SecretRules", "ToolError", "resolve_path"}:
            continue
        function = getattr(toolkit, name)
        assert inspect.iscoroutinefunction(function), name
        assert function.__doc__, name
        assert next(iter(inspect.signature(function).parameters)) == "cwd", name
