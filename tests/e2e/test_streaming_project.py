"""A streaming project: the small-files-faust preset (hybrid, Faust, Prefect, DuckDB).

Installed and checked as its user and its CI would (`make lint`, the offline pre-commit
hooks, its own `make test`: the stream core, the Faust agent through its test context, the
masking golden vectors, the monitoring rules), then `make stream-demo` must replay the
generated stream with exactly the counts the generator says it holds. Its other stand-ins
(Parquet input, Delta) are labelled in its README like any.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from generated import set_up_project, sh
from rendering import TEMPLATE_ROOT
from user_checks import check_generated_files, run_own_tests, run_twice

PRESET = yaml.safe_load((TEMPLATE_ROOT / "presets" / "small-files-faust.yml").read_text("utf-8"))
COUNT = re.compile(r"^  (\w+)\s+([\d,]+)$", re.MULTILINE)


@pytest.fixture
def workdir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="e2e-stream-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _counts(block: str) -> dict[str, int]:
    return {name: int(value.replace(",", "")) for name, value in COUNT.findall(block)}


def test_the_faust_preset_passes_its_own_checks_and_replays_its_stream(workdir: Path) -> None:
    project = set_up_project(workdir / "app-events", data=PRESET)
    check_generated_files(project)
    sh(project, "make", "lint")
    sh(project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")
    passed = run_own_tests(project)
    assert passed["tests.test_faust_app"] and passed["tests.test_stream_core"], passed

    demo = sh(project, "make", "stream-demo")
    generated, replayed = demo.split("Replayed", 1)
    expected, counted = _counts(generated), _counts(replayed)
    assert expected and expected.items() <= counted.items(), demo
    assert counted["received"] == 2_000
    assert (project / "data" / "stream" / "out" / "clean.jsonl").is_file()
    run_twice(project)  # the batch half of the hybrid
