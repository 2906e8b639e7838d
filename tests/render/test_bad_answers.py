"""Impossible answers fail at question time, through copier, with the engine's message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy, run_update

from conftest import TEMPLATE_ROOT
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


# Every free-text answer with a character that would break the line it is written on;
# every class of such character appears (line break, tab, control, invisible format).
BAD_TEXT = [
    ("project_slug", "my-pipeline\n", "U+000A LINE FEED"),
    ("package_name", "my_pipeline\n", "U+000A LINE FEED"),
    ("schedule", "0 2 * * *\n", "U+000A LINE FEED"),
    ("author_email", "ana@example.com\n", "U+000A LINE FEED"),
    ("project_name", "Click\rstream", "U+000D CARRIAGE RETURN"),
    ("project_name", "Click\u2028stream", "U+2028 LINE SEPARATOR"),
    ("project_name", "Click\x85stream", "U+0085 NEXT LINE"),
    ("description", "Orders\tand events", "U+0009 TAB"),
    ("author_name", "Data\x1b[31m Team", "U+001B ESCAPE"),
    ("author_name", "Data \u202eTeam", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("description", "Orders\x00", "U+0000 NUL"),
]


@pytest.mark.parametrize(("key", "value", "character"), BAD_TEXT, ids=lambda v: repr(v)[:20])
def test_copier_refuses_a_text_answer_that_is_not_one_plain_line(
    key: str, value: str, character: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=f"question '{key}'") as error:
        render(tmp_path / "out", data={key: value})
    assert f"{key} contains" in str(error.value) and character in str(error.value)
    assert not (tmp_path / "out" / "pyproject.toml").exists(), "nothing may be rendered"


@pytest.mark.parametrize(
    "name", ["polars", "json", "tests", "duckdb", "dagster", "airflow", "prefect", "click", "yaml"]
)
def test_copier_refuses_a_package_name_that_shadows_a_module(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="question 'package_name'") as error:
        render(tmp_path / "out", data={"package_name": name})
    assert f"package_name '{name}' would shadow" in str(error.value)
    assert "e.g. 'my_pipeline'" in str(error.value)


def copy_loudly(dst: Path, data: dict[str, Any]) -> None:
    """Render like `copier copy --defaults` without --quiet: the messages go to stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_copy(
            str(TEMPLATE_ROOT), str(dst), data=data, defaults=True, unsafe=True, vcs_ref="HEAD"
        )


def test_a_project_named_like_a_dependency_gets_names_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    copy_loudly(out, {"project_name": "Polars"})
    assert "warning:" not in capsys.readouterr().err, "every answer was used"
    answers = yaml.safe_load((out / ".copier-answers.yml").read_text())
    assert (answers["project_slug"], answers["package_name"]) == (
        "polars-pipeline",
        "polars_pipeline",
    )
    assert (out / "src" / "polars_pipeline").is_dir()


KAFKA = {"sources": ["kafka"], "processing_mode": "streaming"}
# Each numeric answer once, as `--data` hands it over (text) or a YAML file (float);
# together they cover nan, inf, -inf and a number beyond the float range.
NON_FINITE = [
    ("batch_gb_per_day", "nan", {}),
    ("growth_factor", "inf", {}),
    ("peak_factor", "-inf", {}),
    ("batch_sla_hours", "1e400", {}),
    ("avg_event_kb", float("nan"), KAFKA),
    ("events_per_second", "inf", KAFKA),
    ("streaming_latency_seconds", float("inf"), KAFKA),
    ("team_size", "1e400", {}),
]


@pytest.mark.parametrize(("key", "value", "context"), NON_FINITE, ids=[n[0] for n in NON_FINITE])
def test_copier_refuses_a_non_finite_number_with_a_message(
    key: str, value: object, context: dict[str, Any], tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=f"question '{key}'") as error:
        render(tmp_path / "out", data={**context, key: value})
    assert "is not a finite" in str(error.value)


def test_a_fractional_team_size_is_refused_not_truncated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="question 'team_size'") as error:
        render(tmp_path / "out", data={"team_size": 2.5})
    assert "whole number" in str(error.value)


# --- answers that copier would ignore without a word ---------------------------------------
UNUSED_WARNING = "warning: answers file keys not used by this template: colour, warehous"
SKIPPED_WARNING = "does not apply to your other answers: events_per_second"


def test_unknown_and_skipped_answers_are_reported_after_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {"warehous": "postgres", "colour": "blue", "events_per_second": 5, "_commit": "x"}
    copy_loudly(tmp_path / "out", data)
    err = capsys.readouterr().err
    assert UNUSED_WARNING + " (typo?" in err
    assert SKIPPED_WARNING in err
    assert "_commit" not in err.split("warning:", 1)[1]


def test_the_cli_warns_about_unknown_keys_of_a_data_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("project_name: Shop\nwarehous: postgres\ncolour: blue\n")
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--vcs-ref"]
    done = subprocess.run(
        [*command, "HEAD", "--data-file", str(answers), str(TEMPLATE_ROOT), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert UNUSED_WARNING in done.stderr


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def test_unknown_keys_are_reported_after_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # copier update needs a tagged git template and a committed project.
    template = tmp_path / "template"
    shutil.copytree(
        TEMPLATE_ROOT,
        template,
        ignore=shutil.ignore_patterns(".git", ".venv", "demo", "__pycache__", ".*_cache"),
    )
    _git(template, "init", "-q", "-b", "main")
    _git(template, "add", "-A")
    _git(template, "commit", "-q", "-m", "v1")
    _git(template, "tag", "v1")
    project = tmp_path / "project"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_copy(str(template), str(project), defaults=True, unsafe=True, quiet=True)
        # A stale key in the project's answers file, and a typo in --data.
        answers_file = project / ".copier-answers.yml"
        answers_file.write_text(answers_file.read_text() + "colour: blue\n")
        _git(project, "init", "-q", "-b", "main")
        _git(project, "add", "-A")
        _git(project, "commit", "-q", "-m", "generated")
        capsys.readouterr()
        run_update(
            str(project),
            data={"warehous": "postgres"},
            defaults=True,
            overwrite=True,
            unsafe=True,
            quiet=False,
        )
    assert UNUSED_WARNING in capsys.readouterr().err
