"""Any valid answers give a project that installs, passes its own checks and runs.

Answer sets are drawn from the whole answer space (tests/answer_space.py: every question,
every choice, experimental stand-ins included, numbers and names of any valid kind), with a
fixed seed, so a run is reproducible: the header prints the seed and the command that
replays it. Each set is rendered, installed (`make setup`, uv's shared cache) and checked as
its user would: the generated files, `make lint`, the offline pre-commit hooks, `make test`
and `make run` twice. A failure names the answers file that reproduces it with copier;
`make test-random` shrinks it to the smallest failing answer set first.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, note, seed, settings

from answer_space import (
    REPLAY,
    SAMPLE_SEED,
    SAMPLE_SETS,
    SAMPLE_SHRINK,
    TEMPLATE_ROOT,
    AnswerSet,
    answer_sets,
)
from generated import (
    PROJECT_TIMEOUT_SECONDS,
    Postgres,
    set_up_project,
    sh,
    throwaway_postgres,
)
from user_checks import (
    check_generated_files,
    check_postgres_load,
    loads_into_postgres,
    run_own_tests,
    run_twice,
)

DRAWN = 0


@pytest.fixture(scope="module")
def server() -> Iterator[Postgres]:
    with throwaway_postgres() as postgres:
        yield postgres


def _keep_for_replay(answer_set: AnswerSet) -> Path:
    """A folder of the answer set's own, holding its answers file (kept if it fails)."""
    # Not under pytest's temp root, which is private (0700): see test_covering_projects.py.
    root = Path(tempfile.mkdtemp(prefix="random-answers-"))
    answers_file = root / "answers.yml"
    answers_file.write_text(yaml.safe_dump(answer_set.data, allow_unicode=True, sort_keys=False))
    note(
        f"answers: {answers_file}\n"
        f"render it: uv run copier copy --trust --defaults --vcs-ref HEAD "
        f"--data-file {answers_file} {TEMPLATE_ROOT} {root / 'project'}\n"
        f"replay the sample: {REPLAY}"
    )
    return root


# One test runs the whole sample: the project tiers' timeout applies to each answer set.
@pytest.mark.timeout(PROJECT_TIMEOUT_SECONDS * SAMPLE_SETS)
@seed(SAMPLE_SEED)
@settings(
    max_examples=SAMPLE_SETS,
    database=None,
    deadline=None,
    phases=[Phase.generate, Phase.shrink] if SAMPLE_SHRINK else [Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(answer_set=answer_sets())
def test_random_answers_give_a_project_that_passes_its_own_checks(
    answer_set: AnswerSet, server: Postgres
) -> None:
    global DRAWN
    DRAWN += 1
    root = _keep_for_replay(answer_set)
    project = set_up_project(root / "project", data=answer_set.data)
    check_generated_files(project)
    sh(project, "make", "lint")
    sh(project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")
    run_own_tests(project)
    if loads_into_postgres(project):
        database = server.new_database(f"random_{DRAWN}")
        check_postgres_load(database, run_twice(project, warehouse_url=database.url), project)
    else:
        run_twice(project)
    shutil.rmtree(root, ignore_errors=True)
    # Progress of a long sample, shown with pytest -s (the answers are in the failure report).
    print(f"answer set {DRAWN} of {SAMPLE_SETS}: passed ({answer_set_id(answer_set)})")


def answer_set_id(answer_set: AnswerSet) -> str:
    """A short summary: the sources, the stack and the number of answers given."""
    e = answer_set.effective
    stack = [e.get(k) for k in ("processing_mode", "orchestrator", "warehouse", "batch_engine")]
    return f"{'+'.join(e['sources'])}, {', '.join(map(str, stack))}, {len(answer_set.data)} given"
