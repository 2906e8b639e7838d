"""copier update keeps the user's edits and brings the template's changes.

A throwaway git copy of the template is tagged v1, rendered, edited by the
"user", then changed and tagged v2; `copier update` must merge both ways, and a
conflicting edit must be detected, never left unreported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from copier import run_copy, run_update

from conftest import TEMPLATE_ROOT

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)


def unresolved_conflicts(project: Path) -> list[str]:
    """What copier leaves behind on a conflict, while still exiting 0."""
    found = [f"{p.relative_to(project)} (.rej)" for p in project.rglob("*.rej")]
    for line in git(project, "status", "--porcelain").splitlines():
        if line[:2] in ("UU", "AA", "DU", "UD"):
            found.append(f"{line[3:]} (unmerged)")
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text(errors="ignore")
            if "<<<<<<< " in text and ">>>>>>> " in text:
                found.append(f"{path.relative_to(project)} (conflict markers)")
    return sorted(set(found))


@pytest.fixture
def template_v1(tmp_path: Path) -> Path:
    """A git copy of the template's current files, tagged v1."""
    copy = tmp_path / "template"
    listed = git(TEMPLATE_ROOT, "ls-files", "--cached", "--others", "--exclude-standard")
    for rel in listed.splitlines():
        source = TEMPLATE_ROOT / rel
        if source.is_file():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / rel)
    git(copy, "init", "-q", "-b", "main")
    commit_all(copy, "template v1")
    git(copy, "tag", "v1")
    return copy


def render_project(template: Path, dst: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_copy(str(template), str(dst), defaults=True, unsafe=True, vcs_ref="v1", quiet=True)
    git(dst, "init", "-q", "-b", "main")
    commit_all(dst, "generated from v1")
    return dst


def update(project: Path, conflict: str = "inline") -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_update(
            str(project),
            vcs_ref="v2",
            defaults=True,
            overwrite=True,
            unsafe=True,
            quiet=True,
            conflict=conflict,
        )


def release_v2(template: Path, edit: str) -> None:
    """The template's v2: a new document, and an edit of the implementation plan's intro."""
    (template / "template" / "docs" / "CONTRIBUTING.md").write_text("# Contributing\n\nv2 doc.\n")
    plan = template / "template" / "docs" / "IMPLEMENTATION_PLAN.md.jinja"
    text = plan.read_text()
    assert "Each phase ends on an exit criterion" in text
    plan.write_text(text.replace("Each phase ends on an exit criterion", edit))
    commit_all(template, "template v2")
    git(template, "tag", "v2")


def test_update_keeps_user_edits_and_brings_template_changes(
    template_v1: Path, tmp_path: Path
) -> None:
    project = render_project(template_v1, tmp_path / "project")
    # The user's edits: a note at the end of a generated doc, and a file of their own.
    architecture = project / "docs" / "ARCHITECTURE.md"
    architecture.write_text(architecture.read_text() + "\n## Team notes\n\nOur own notes.\n")
    (project / "NOTES.md").write_text("mine\n")
    commit_all(project, "user edits")

    release_v2(template_v1, "Every phase ends on an exit criterion")
    update(project)

    assert unresolved_conflicts(project) == []
    assert "Our own notes." in architecture.read_text()
    assert (project / "NOTES.md").read_text() == "mine\n"
    assert (project / "docs" / "CONTRIBUTING.md").read_text().startswith("# Contributing")
    assert (
        "Every phase ends on an exit criterion"
        in (project / "docs" / "IMPLEMENTATION_PLAN.md").read_text()
    )
    answers = (project / ".copier-answers.yml").read_text()
    assert "_commit: v2" in answers


def test_a_conflicting_edit_is_reported(template_v1: Path, tmp_path: Path) -> None:
    project = render_project(template_v1, tmp_path / "project")
    plan = project / "docs" / "IMPLEMENTATION_PLAN.md"
    plan.write_text(
        plan.read_text().replace("Each phase ends on an exit criterion", "Our phases end on a demo")
    )
    commit_all(project, "user edit of the same line")

    release_v2(template_v1, "Every phase ends on an exit criterion")
    update(project)  # exits normally: copier does not fail on conflicts

    assert unresolved_conflicts(project) == [
        "docs/IMPLEMENTATION_PLAN.md (conflict markers)",
        "docs/IMPLEMENTATION_PLAN.md (unmerged)",
    ]


def template_at(revision: str, dst: Path) -> Path:
    """A git copy of the template as it was at `revision` of this repository, tagged v1."""
    dst.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=TEMPLATE_ROOT, capture_output=True
    )
    assert archive.returncode == 0, archive.stderr.decode()
    subprocess.run(["tar", "-x", "-C", str(dst)], input=archive.stdout, check=True)
    git(dst, "init", "-q", "-b", "main")
    commit_all(dst, "template v1")
    git(dst, "tag", "v1")
    return dst


# The last commit whose pipeline.py still planned batches itself (the engine seam moved that
# code to planning.py): a user's edit there must survive an update, or be reported.
BEFORE_ENGINE_SEAM = "639df34"


def test_an_edit_in_code_the_template_moved_is_never_lost(tmp_path: Path) -> None:
    template = template_at(BEFORE_ENGINE_SEAM, tmp_path / "template")
    project = render_project(template, tmp_path / "project")
    pipeline = next((project / "src").glob("*/pipeline.py"))
    original = "        new = [f for f in files if f.sha256 not in done]\n"
    edited = "        new = [f for f in files if f.sha256 not in done]  # team: keep\n"
    assert original in pipeline.read_text()
    pipeline.write_text(pipeline.read_text().replace(original, edited))
    commit_all(project, "user edit in the batch planning")

    # v2: this repository's template as it is now (its working tree, edits included).
    git(template, "rm", "-rq", ".")
    for rel in git(TEMPLATE_ROOT, "ls-files", "--cached", "--others", "--exclude-standard").split():
        source, target = TEMPLATE_ROOT / rel, template / rel
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    commit_all(template, "template v2")
    git(template, "tag", "v2")
    update(project)

    kept = any(
        "# team: keep" in path.read_text(errors="ignore")
        for path in (project / "src").rglob("*.py")
    )
    assert kept, "the user's edit vanished"
    assert unresolved_conflicts(project), "the moved code's edit merged silently"
