"""Shared fixtures: the template root, the design engine on sys.path, and rendering helpers."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TEMPLATE_ROOT / "extensions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Tests commit in throwaway git repositories (copier update needs commits, and so do the
# generated projects' pre-commit checks). A fresh machine has no git identity: give one to
# these commits, so that `make test` needs no `git config` first.
for _variable, _value in {
    "GIT_AUTHOR_NAME": "pipeline-architect tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "pipeline-architect tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}.items():
    os.environ.setdefault(_variable, _value)

# Each tier lives in its own folder; its marker is applied here so that
# `pytest -m unit` (or render, update, e2e, random) selects exactly one tier.
TIER_OF_FOLDER = {
    "unit": "unit",
    "render": "render",
    "update": "update",
    "e2e": "e2e",
    "random": "random",
    "broker": "broker",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in TIER_OF_FOLDER:
            item.add_marker(getattr(pytest.mark, TIER_OF_FOLDER[folder]))
    # Fast tiers first (in the order above): a broken validator fails in seconds, not after
    # half an hour of installed projects.
    order = list(TIER_OF_FOLDER)
    items.sort(
        key=lambda item: (
            order.index(Path(str(item.fspath)).parent.name)
            if Path(str(item.fspath)).parent.name in order
            else len(order)
        )
    )


@pytest.fixture(scope="session")
def template_root() -> Path:
    return TEMPLATE_ROOT


def pytest_report_header(config: pytest.Config) -> str:
    """The random-answers tier's sample (tests/random), and the command that replays it."""
    from answer_space import REPLAY, SAMPLE_SEED, SAMPLE_SETS

    return f"random answer sets: {SAMPLE_SETS}, seed {SAMPLE_SEED} (replay: {REPLAY})"


@pytest.fixture
def workdir(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A scratch folder for a generated project, removed afterwards.

    Not under pytest's temp root: that folder is private (0700), and every pytest session
    that starts makes it private again. Run as root, a project's throwaway PostgreSQL runs as
    an unprivileged user, which must keep reaching the server's files in the project's .venv.
    """
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    root = Path(tempfile.mkdtemp(prefix=f"{module}-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)
