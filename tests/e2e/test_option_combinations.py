"""Every pair of options on and off: each project of the covering set passes its own checks.

The presets and the orchestrator tests run a few fixed answer sets; a bug that needs two
options to show (gold tables grouping by a column only enrichment adds, with aggregation on
and enrichment off) hides between them. tests/covering.py builds a pairwise covering set of
the transformations, quality checks and compliance options from copier.yml, the smallest
(everything off) and the largest (everything on) included. Each set is rendered, installed
(`make setup`, uv's shared cache) and checked as its user would: `make lint`, `make test`
and `make run` twice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from covering import answer_set_id, option_answer_sets
from generated import assert_all_tests_passed, set_up_project, sh

# Answer sets that once failed, kept whatever the covering set becomes; other answers are
# the defaults.
REGRESSIONS = {
    # Gold tables grouped by customer_country, which only enrichment adds: the load failed.
    "aggregation-without-enrichment": {"transformations": ["cleaning", "dedup", "aggregation"]},
    # Without dedup, silver kept repeated keys and the uniqueness and schema checks stopped
    # every run of the sample; now older copies are quarantined as duplicate_key.
    "uniqueness-without-dedup": {
        "transformations": ["cleaning", "enrichment", "aggregation"],
        "quality_checks": ["schema", "uniqueness"],
    },
}
ANSWER_SETS = [pytest.param(a, id=answer_set_id(a)) for a in option_answer_sets()] + [
    pytest.param(answers, id=f"regression-{name}") for name, answers in REGRESSIONS.items()
]


@pytest.mark.parametrize("answers", ANSWER_SETS)
def test_project_passes_its_own_checks_and_runs(answers: dict[str, Any], tmp_path: Path) -> None:
    project = set_up_project(tmp_path / "combo", data=answers)
    sh(project, "make", "lint")
    assert_all_tests_passed(sh(project, "make", "test"))

    first = sh(project, "make", "run")
    summary = re.findall(
        r"^\s*(customers|events|orders)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", first, re.M
    )
    assert sorted(row[0] for row in summary) == ["customers", "events", "orders"], first
    for dataset, rows_in, loaded, quarantined, duplicates in summary:
        assert int(loaded) > 0, (dataset, first)
        assert int(rows_in) == int(loaded) + int(quarantined) + int(duplicates), (dataset, first)
    assert "Nothing new to load" in sh(project, "make", "run")
