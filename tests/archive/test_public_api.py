"""The front door exports what it says it does."""

from __future__ import annotations

import tabwise.archive


def test_all_is_honest() -> None:
    for name in tabwise.archive.__all__:
        assert getattr(tabwise.archive, name) is not None
    public = {n for n in vars(tabwise.archive) if not n.startswith("_")}
    assert set(tabwise.archive.__all__) == public - {"annotations"}
