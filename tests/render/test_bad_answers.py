"""Impossible answers fail at question time, through copier, with the engine's message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rendering import render

BAD = [
    ({"project_slug": "my pipeline!"}, "project_slug", "must start with a lowercase letter"),
    ({"package_name": "import"}, "package_name", "not a keyword"),
    (
        {"sources": ["kafka"], "processing_mode": "streaming", "events_per_second": -5},
        "events_per_second",
        "events_per_second is -5",
    ),
    (
        {"stream_engine": "flink", "processing_mode": "batch"},
        "stream_engine",
        "applies only to processing_mode 'streaming' or 'hybrid'",
    ),
    (
        {"sources": ["files", "kafka"], "processing_mode": "batch"},
        "processing_mode",
        "choose 'hybrid'",
    ),
    ({"consumers": ["realtime_api"]}, "consumers", "needs data within seconds"),
    ({"schedule": "0 25 * * *"}, "schedule", "hour value 25"),
    ({"growth_factor": 0.5}, "growth_factor", ">= 1"),
    ({"sources": []}, "sources", "pick at least one"),
]


@pytest.mark.parametrize(("answers", "key", "fragment"), BAD, ids=[b[1] for b in BAD])
def test_copier_refuses_with_the_message(
    answers: dict[str, Any], key: str, fragment: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=f"question '{key}'") as error:
        render(tmp_path / "out", data=answers)
    assert fragment in str(error.value)
    assert not (tmp_path / "out" / "docs").exists(), "nothing may be rendered"
