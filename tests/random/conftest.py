"""The random-answers tier prints its sample's size and seed, and how to replay it."""

from __future__ import annotations

import pytest

from answer_space import REPLAY, SAMPLE_SEED, SAMPLE_SETS


def pytest_report_header(config: pytest.Config) -> str:
    return f"random answer sets: {SAMPLE_SETS}, seed {SAMPLE_SEED} (replay: {REPLAY})"
