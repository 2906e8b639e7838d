"""Shared fixtures: the template root, the design engine on sys.path, and rendering helpers."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TEMPLATE_ROOT / "extensions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generated import PROJECT_TIMEOUT_SECONDS  # noqa: E402 (on the path just above)

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

# No per-example deadline for the property tests: `make test` runs them beside installed
# projects on two cores, where a 200 ms example can take a second, and a deadline would fail
# a correct test (a flake seen in a run of the unit tier beside other work).
settings.register_profile("template", deadline=None)
settings.load_profile("template")

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


# The tiers that install projects: each test is one project (or a sample of random answer
# sets), and the two workers of `make test` take them one by one, the slowest stacks first
# (a JVM to start, pyspark and PyFlink to install): a short project ends the run, not a long
# one started last. The other tiers go to the workers file by file (`xdist_group`), so that a
# module's rendered projects are rendered once.
PROJECT_TIERS = ("e2e", "random")
# Words of a project test's id -> how slow (the seed preset runs Flink and Spark; a random
# answer set may draw either).
SLOW_STACKS = {"flink": 3, "spark": 2, "random": 2}


def _tier(item: pytest.Item) -> str | None:
    folder = Path(str(item.fspath)).parent.name
    return TIER_OF_FOLDER.get(folder)


def _expected_cost(item: pytest.Item) -> int:
    return max((cost for word, cost in SLOW_STACKS.items() if word in item.nodeid), default=1)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tier = _tier(item)
        if tier is not None:
            item.add_marker(getattr(pytest.mark, tier))
        if tier not in PROJECT_TIERS:
            item.add_marker(pytest.mark.xdist_group(Path(str(item.fspath)).stem))
        elif item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(PROJECT_TIMEOUT_SECONDS))
    # Fast tiers first (in the order above): a broken validator fails in seconds, not after
    # half an hour of installed projects. Then the projects, the slowest first.
    order = list(TIER_OF_FOLDER)

    def position(item: pytest.Item) -> tuple[int, int]:
        tier = _tier(item)
        if tier in PROJECT_TIERS:
            return (order.index("e2e"), -_expected_cost(item))
        return (order.index(tier) if tier else len(order), 0)

    items.sort(key=position)


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
