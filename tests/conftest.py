"""Shared fixtures: the template root, the design engine on sys.path, and rendering helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TEMPLATE_ROOT / "extensions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Each tier lives in its own folder; its marker is applied here so that
# `pytest -m unit` (or render, update, e2e) selects exactly one tier.
TIER_OF_FOLDER = {"unit": "unit", "render": "render", "update": "update", "e2e": "e2e"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in TIER_OF_FOLDER:
            item.add_marker(getattr(pytest.mark, TIER_OF_FOLDER[folder]))


@pytest.fixture(scope="session")
def template_root() -> Path:
    return TEMPLATE_ROOT
